package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The team view: colleagues a lead invites answer the same diagnostic
// about the same manager. The rules for who may be invited and when the
// view unlocks live in package team; this file only stores.

// TeamInvitation is one colleague invited by a lead. The address is kept
// only as EmailHMAC, the suppression list's keyed hash of it; until the
// email goes out it also waits, in clear, in the invitation's outbox row.
type TeamInvitation struct {
	ID        int64
	LeadID    int64
	EmailHMAC string `gorm:"column:email_hmac"`
	Token     string
	ExpiresAt time.Time
	SentAt    *time.Time
	// UsedOn is the day (YYYY-MM-DD) the invitation was answered, or
	// empty: a day, not a time, so it cannot be matched to an answer.
	UsedOn *string
}

// TableName keeps the table name explicit rather than inferred.
func (TeamInvitation) TableName() string { return "team_invitations" }

// teamInviteOutbox is an invitee's address waiting for its email; the
// worker deletes it once the email is sent.
type teamInviteOutbox struct {
	InvitationID int64 `gorm:"primaryKey"`
	Email        string
}

func (teamInviteOutbox) TableName() string { return "team_invite_outbox" }

// TeamAnswer is one colleague's answers, stored with the team (the lead)
// and nothing else: no invitation, no address, and no date, which could be
// matched to the day an invitation was used.
type TeamAnswer struct {
	ID                string
	LeadID            int64
	DiagnosticVersion string
	Answers           string // JSON: question id → option value
	Scores            string // JSON: dimension id → score
	OverallIndex      int
}

// TableName keeps the table name explicit rather than inferred.
func (TeamAnswer) TableName() string { return "team_answers" }

// ScoreMap is the answer's dimension scores.
func (a TeamAnswer) ScoreMap() map[string]int {
	m := map[string]int{}
	_ = json.Unmarshal([]byte(a.Scores), &m)
	return m
}

type teamUnlock struct {
	LeadID     int64 `gorm:"primaryKey"`
	UnlockedOn string
}

func (teamUnlock) TableName() string { return "team_unlocks" }

// InviteTTL is how long an invitation link works.
const InviteTTL = 30 * 24 * time.Hour

// Errors of the team's store.
var (
	ErrInvitationUsed    = errors.New("invitation already used")
	ErrInvitationExpired = errors.New("invitation expired")
)

// InviteeHash is how an invitee's address is kept: the suppression list's
// keyed hash, so opting out writes exactly what the list checks.
func (s *Store) InviteeHash(email string) (string, error) {
	if len(s.suppressionKey) == 0 {
		return "", ErrNoSuppressionKey
	}
	keyed, _ := suppressionForms(s.suppressionKey, email)
	return keyed, nil
}

// InviteeFilter says, for each address, whether it may be invited by
// leadID: it is neither on the suppression list nor already invited by
// this lead. It also returns how many invitations the lead has made.
func (s *Store) InviteeFilter(ctx context.Context, leadID int64, emails []string) (allowed []bool, invited int64, err error) {
	list, err := s.SuppressionList(ctx)
	if err != nil {
		return nil, 0, err
	}
	var hashes []string
	err = s.db.WithContext(ctx).Model(&TeamInvitation{}).Where("lead_id = ?", leadID).Pluck("email_hmac", &hashes).Error
	if err != nil {
		return nil, 0, fmt.Errorf("read invitations: %w", err)
	}
	done := map[string]bool{}
	for _, h := range hashes {
		done[h] = true
	}
	allowed = make([]bool, len(emails))
	for i, e := range emails {
		keyed, _ := suppressionForms(s.suppressionKey, e)
		allowed[i] = !list.Has(e) && !done[keyed]
	}
	return allowed, int64(len(hashes)), nil
}

// InviteHook queues the emails of new invitations inside the transaction
// that creates them.
type InviteHook func(ctx context.Context, tx Tx, invitationIDs []int64) error

// CreateInvitations stores one invitation per address for leadID, each
// with its address in the outbox, and runs hook in the same transaction.
// An address this lead already invited is skipped (the unique key holds
// across concurrent requests). It returns how many were created.
func (s *Store) CreateInvitations(ctx context.Context, leadID int64, emails []string, now time.Time, hook InviteHook) (int, error) {
	if len(s.suppressionKey) == 0 {
		return 0, ErrNoSuppressionKey
	}
	var ids []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids = ids[:0]
		// The lead first, as erasure locks it: an erasure waits for the
		// invitations, or they wait for it and find the lead gone.
		if err := s.forUpdate(tx, "").Select("id").Where("id = ? AND erased_at IS NULL", leadID).Take(&Lead{}).Error; err != nil {
			return notFound(err)
		}
		for _, e := range emails {
			token, err := newToken()
			if err != nil {
				return err
			}
			keyed, _ := suppressionForms(s.suppressionKey, e)
			inv := TeamInvitation{LeadID: leadID, EmailHMAC: keyed, Token: token, ExpiresAt: now.Add(InviteTTL)}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&inv)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			if err := tx.Create(&teamInviteOutbox{InvitationID: inv.ID, Email: e}).Error; err != nil {
				return err
			}
			ids = append(ids, inv.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		err := tx.Model(&Lead{}).Where("id = ?", leadID).Update("team_invited", gorm.Expr("team_invited + ?", len(ids))).Error
		if err != nil || hook == nil {
			return err
		}
		t, err := gormTx(tx)
		if err != nil {
			return err
		}
		return hook(ctx, t, ids)
	})
	if err != nil {
		return 0, fmt.Errorf("create invitations: %w", err)
	}
	return len(ids), nil
}

// PendingInvite is an invitation whose email waits to be sent.
type PendingInvite struct {
	Invitation TeamInvitation
	Email      string
	Lead       Lead // the inviter: name and company for the email
}

// PendingInvite reads an invitation with its address from the outbox.
// ErrNotFound: the email was sent already, or the lead was erased.
func (s *Store) PendingInvite(ctx context.Context, invitationID int64) (*PendingInvite, error) {
	var p PendingInvite
	db := s.db.WithContext(ctx)
	if err := db.Where("id = ?", invitationID).Take(&p.Invitation).Error; err != nil {
		return nil, notFound(err)
	}
	var box teamInviteOutbox
	if err := db.Where("invitation_id = ?", invitationID).Take(&box).Error; err != nil {
		return nil, notFound(err)
	}
	if err := db.Where("id = ? AND erased_at IS NULL", p.Invitation.LeadID).Take(&p.Lead).Error; err != nil {
		return nil, notFound(err)
	}
	p.Email = box.Email
	return &p, nil
}

// InviteSent records an invitation's email as sent and forgets its
// address: only the keyed hash stays.
func (s *Store) InviteSent(ctx context.Context, invitationID int64, at time.Time) error {
	return s.forgetInvitee(ctx, invitationID, &at)
}

// InviteUndeliverable forgets the address of an invitation whose email the
// mail server refused for good.
func (s *Store) InviteUndeliverable(ctx context.Context, invitationID int64) error {
	return s.forgetInvitee(ctx, invitationID, nil)
}

func (s *Store) forgetInvitee(ctx context.Context, invitationID int64, sent *time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if sent != nil {
			if err := tx.Model(&TeamInvitation{}).Where("id = ?", invitationID).Update("sent_at", *sent).Error; err != nil {
				return err
			}
		}
		return tx.Where("invitation_id = ?", invitationID).Delete(&teamInviteOutbox{}).Error
	})
	if err != nil {
		return fmt.Errorf("forget invitee %d: %w", invitationID, err)
	}
	return nil
}

// InvitationByToken finds an invitation by its link's token.
func (s *Store) InvitationByToken(ctx context.Context, token string) (*TeamInvitation, error) {
	var inv TeamInvitation
	if token == "" {
		return nil, ErrNotFound
	}
	if err := s.db.WithContext(ctx).Where("token = ?", token).Take(&inv).Error; err != nil {
		return nil, notFound(err)
	}
	return &inv, nil
}

// UnlockHook queues the emails of a team view unlocking (the inviter's,
// the consulting team's) inside the transaction of the answer that
// unlocks it.
type UnlockHook func(ctx context.Context, tx Tx, leadID int64) error

// TeamViewUnlocked is lead.updated's team_view when a team view unlocks.
const TeamViewUnlocked = "unlocked"

// SaveTeamAnswer uses the invitation token names and stores answer with
// its team, in one transaction. When the team then has minAnswers answers
// of its version for the first time, lead.updated is emitted and onUnlock
// runs, both in the same transaction. A used invitation is
// ErrInvitationUsed, an expired one ErrInvitationExpired.
func (s *Store) SaveTeamAnswer(ctx context.Context, token string, answer TeamAnswer, minAnswers int, now time.Time, onUnlock UnlockHook) error {
	day := now.UTC().Format(time.DateOnly)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var inv TeamInvitation
		if err := tx.Where("token = ?", token).Take(&inv).Error; err != nil {
			return notFound(err)
		}
		// The lead's count moves on first, locking the lead before the
		// invitation as erasure does, so the two never wait on each other;
		// the lock also puts answers to one team in turn, so two answers at
		// once cannot both read two and leave the view locked at three. An
		// answer to other questions than the lead's is kept but never
		// counted. Any refusal below rolls the count back.
		res := tx.Model(&Lead{}).Where("id = ? AND diagnostic_version = ?", inv.LeadID, answer.DiagnosticVersion).
			Update("team_answers", gorm.Expr("team_answers + 1"))
		if res.Error != nil {
			return res.Error
		}
		counted := res.RowsAffected == 1
		if err := s.forUpdate(tx, "").Where("id = ?", inv.ID).Take(&inv).Error; err != nil {
			return notFound(err)
		}
		switch {
		case inv.UsedOn != nil:
			return ErrInvitationUsed
		case now.After(inv.ExpiresAt):
			return ErrInvitationExpired
		}
		res = tx.Model(&TeamInvitation{}).Where("id = ? AND used_on IS NULL", inv.ID).Update("used_on", day)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInvitationUsed
		}
		id, err := newToken()
		if err != nil {
			return err
		}
		answer.ID, answer.LeadID = id, inv.LeadID
		if err := tx.Create(&answer).Error; err != nil {
			return err
		}
		if !counted {
			return nil
		}
		var n int
		if err := tx.Model(&Lead{}).Where("id = ?", inv.LeadID).Pluck("team_answers", &n).Error; err != nil {
			return err
		}
		if n < minAnswers {
			return nil
		}
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&teamUnlock{LeadID: inv.LeadID, UnlockedOn: day})
		if ins.Error != nil || ins.RowsAffected == 0 {
			return ins.Error
		}
		if err := s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: inv.LeadID, At: now.UTC(),
			Data: map[string]any{"team_view": TeamViewUnlocked, "team_answers": n}}); err != nil {
			return err
		}
		if onUnlock == nil {
			return nil
		}
		t, err := gormTx(tx)
		if err != nil {
			return err
		}
		return onUnlock(ctx, t, inv.LeadID)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvitationUsed) && !errors.Is(err, ErrInvitationExpired) {
		return fmt.Errorf("save team answer: %w", err)
	}
	return err
}

// TeamAnswers are the answers a lead's colleagues gave to version.
func (s *Store) TeamAnswers(ctx context.Context, leadID int64, version string) ([]TeamAnswer, error) {
	var out []TeamAnswer
	err := s.db.WithContext(ctx).Where("lead_id = ? AND diagnostic_version = ?", leadID, version).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read team answers: %w", err)
	}
	return out, nil
}

// SuppressInvitee puts the address of the invitation token names on the
// suppression list ("never email me again"), from its hash: no lead will
// invite it again. Doing it twice changes nothing.
func (s *Store) SuppressInvitee(ctx context.Context, token string) error {
	inv, err := s.InvitationByToken(ctx, token)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&Suppression{Hash: inv.EmailHMAC, CreatedAt: time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("suppress invitee: %w", err)
	}
	return nil
}

// eraseTeam deletes the invitations (with their waiting addresses), the
// team's answers and its unlock of leadIDs, inside an erasure.
func eraseTeam(tx *gorm.DB, leadIDs []int64) error {
	for _, m := range []any{&TeamAnswer{}, &teamUnlock{}} {
		if err := tx.Where("lead_id IN ?", leadIDs).Delete(m).Error; err != nil {
			return fmt.Errorf("erase team data: %w", err)
		}
	}
	sub := tx.Model(&TeamInvitation{}).Select("id").Where("lead_id IN ?", leadIDs)
	if err := tx.Where("invitation_id IN (?)", sub).Delete(&teamInviteOutbox{}).Error; err != nil {
		return fmt.Errorf("erase team data: %w", err)
	}
	if err := tx.Where("lead_id IN ?", leadIDs).Delete(&TeamInvitation{}).Error; err != nil {
		return fmt.Errorf("erase team data: %w", err)
	}
	err := tx.Model(&Lead{}).Where("id IN ?", leadIDs).Updates(map[string]any{"team_invited": 0, "team_answers": 0}).Error
	if err != nil {
		return fmt.Errorf("erase team data: %w", err)
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
