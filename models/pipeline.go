package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The rest of the pipeline after StatusNew, in order.
const (
	StatusContacted = "contacted"
	StatusQualified = "qualified"
	StatusProposal  = "proposal"
	StatusWon       = "won"
	StatusLost      = "lost"
)

// Statuses lists every lead status, in pipeline order.
var Statuses = []string{StatusNew, StatusContacted, StatusQualified, StatusProposal, StatusWon, StatusLost}

// ValidStatus reports whether status is one of Statuses.
func ValidStatus(status string) bool {
	for _, s := range Statuses {
		if s == status {
			return true
		}
	}
	return false
}

// MaxNoteLen is the longest note, in characters.
const MaxNoteLen = 5000

// viewDedupe is how long one person's repeated views of a lead count as one,
// so reloading the page doesn't flood its history.
const viewDedupe = 10 * time.Minute

var (
	// ErrStale means the lead changed since the form was opened, so the
	// change was not applied.
	ErrStale = errors.New("the lead changed since the form was opened")
	// ErrUnknownStatus means a status outside Statuses.
	ErrUnknownStatus = errors.New("unknown lead status")
	// ErrNotAssignable means the owner is not an active admin or consultant.
	ErrNotAssignable = errors.New("only an active admin or consultant can own a lead")
	// ErrBadDate means a follow-up date that is not YYYY-MM-DD.
	ErrBadDate = errors.New("not a date in the form YYYY-MM-DD")
	// ErrInvalidNote means a blank or overlong note; CheckNote says which.
	ErrInvalidNote = errors.New("invalid note")
)

// Note is something a person wrote on a lead.
type Note struct {
	ID        int64
	LeadID    int64
	AuthorID  *int64
	Author    *User `gorm:"foreignKey:AuthorID"`
	Body      string
	CreatedAt time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (Note) TableName() string { return "lead_notes" }

// NormalizeNote trims a note and turns browsers' CRLF line ends into LF, so
// its length is counted as the person sees it.
func NormalizeNote(body string) string {
	return strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
}

// CheckNote says what is wrong with a normalized note, or "".
func CheckNote(body string) string {
	n := utf8.RuneCountInString(body)
	switch {
	case !utf8.ValidString(body):
		return "The note contains characters we can’t read."
	case n == 0:
		return "Write the note before adding it."
	case n > MaxNoteLen:
		return fmt.Sprintf("A note can be at most %d characters; this one has %d.", MaxNoteLen, n)
	}
	return ""
}

// ValidFollowUp reports whether on is empty (no follow-up) or a real
// calendar date written YYYY-MM-DD.
func ValidFollowUp(on string) bool {
	if on == "" {
		return true
	}
	t, err := time.Parse(time.DateOnly, on)
	return err == nil && t.Format(time.DateOnly) == on
}

// SetLeadStatus moves a lead to status if it is still at version, the
// version the person's form was built from; otherwise it is ErrStale.
// Choosing the current status again changes nothing.
func (s *Store) SetLeadStatus(ctx context.Context, leadID int64, version int, status string, actorID int64) error {
	if !ValidStatus(status) {
		return fmt.Errorf("set status %q: %w", status, ErrUnknownStatus)
	}
	return s.changeLead(ctx, leadID, version, func(tx *gorm.DB, cur *Lead, now time.Time) error {
		if cur.Status == status {
			return errUnchanged
		}
		if err := bumpLead(tx, cur, map[string]any{"status": status}, now); err != nil {
			return err
		}
		if err := addActivity(tx, leadID, &actorID, ActivityStatusChanged, cur.Status+" → "+status, now); err != nil {
			return err
		}
		return s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: leadID, At: now, Data: map[string]any{"status": status}})
	})
}

// SetLeadOwner gives a lead to ownerID, an active admin or consultant, or
// to nobody when ownerID is nil. The history records the owner's name.
func (s *Store) SetLeadOwner(ctx context.Context, leadID int64, version int, ownerID *int64, actorID int64) error {
	return s.changeLead(ctx, leadID, version, func(tx *gorm.DB, cur *Lead, now time.Time) error {
		if sameID(cur.OwnerID, ownerID) {
			return errUnchanged
		}
		name := ""
		if ownerID != nil {
			var u User
			err := tx.Where("id = ? AND disabled_at IS NULL AND role IN ?", *ownerID, []string{RoleAdmin, RoleConsultant}).Take(&u).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotAssignable
			}
			if err != nil {
				return err
			}
			name = u.DisplayName()
		}
		if err := bumpLead(tx, cur, map[string]any{"owner_id": ownerID}, now); err != nil {
			return err
		}
		if err := addActivity(tx, leadID, &actorID, ActivityAssigned, name, now); err != nil {
			return err
		}
		// The owner's id, not their name: the event carries no personal data.
		return s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: leadID, At: now, Data: map[string]any{"owner_id": ownerID}})
	})
}

// SetLeadFollowUp sets the date to follow a lead up, YYYY-MM-DD, or clears
// it when on is empty.
func (s *Store) SetLeadFollowUp(ctx context.Context, leadID int64, version int, on string, actorID int64) error {
	if !ValidFollowUp(on) {
		return fmt.Errorf("set follow-up %q: %w", on, ErrBadDate)
	}
	return s.changeLead(ctx, leadID, version, func(tx *gorm.DB, cur *Lead, now time.Time) error {
		if cur.FollowUpOn == on {
			return errUnchanged
		}
		if err := bumpLead(tx, cur, map[string]any{"follow_up_on": on}, now); err != nil {
			return err
		}
		if err := addActivity(tx, leadID, &actorID, ActivityFollowUpSet, on, now); err != nil {
			return err
		}
		return s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: leadID, At: now, Data: map[string]any{"follow_up_on": on}})
	})
}

// errUnchanged ends a change that would change nothing, without an error.
var errUnchanged = errors.New("unchanged")

// changeLead runs change in a transaction on the lead as it is now, after
// checking that it exists and is still at version.
func (s *Store) changeLead(ctx context.Context, leadID int64, version int, change func(tx *gorm.DB, cur *Lead, now time.Time) error) error {
	now := time.Now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur Lead
		err := tx.Select("id", "status", "owner_id", "follow_up_on", "version").Where("id = ?", leadID).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Version != version {
			return ErrStale
		}
		return change(tx, &cur, now)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("change lead %d: %w", leadID, err)
	}
	return nil
}

// bumpLead writes updates only if nobody else has changed the lead since
// cur was read, and moves its version on. A person's first change is when
// the lead was first touched.
func bumpLead(tx *gorm.DB, cur *Lead, updates map[string]any, now time.Time) error {
	updates["version"] = gorm.Expr("version + 1")
	updates["touched_at"] = gorm.Expr("COALESCE(touched_at, ?)", now)
	return updateLead(tx, cur, updates, now)
}

// updateLead writes updates to the lead cur if it is still at cur's
// version. A status change also moves the lead's furthest stage on, its
// counts in the summary tables and the day's won count.
func updateLead(tx *gorm.DB, cur *Lead, updates map[string]any, now time.Time) error {
	write := func() error {
		res := tx.Model(&Lead{}).Where("id = ? AND version = ?", cur.ID, cur.Version).Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale // a concurrent change won the race after we read cur
		}
		return nil
	}
	status, ok := updates["status"].(string)
	if !ok || status == cur.Status {
		return write()
	}
	updates["stage_reached"] = stageReachedSQL(status)
	if err := moveStats(tx, []int64{cur.ID}, write); err != nil {
		return err
	}
	return countWon(tx, cur.Status, status, now)
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// AddLeadNote adds a note by authorID to a lead. Notes never conflict with
// each other, so they need no version and move none on; the first note
// does count as the lead being touched.
func (s *Store) AddLeadNote(ctx context.Context, leadID, authorID int64, body string) (*Note, error) {
	body = NormalizeNote(body)
	if msg := CheckNote(body); msg != "" {
		return nil, fmt.Errorf("add note: %w: %s", ErrInvalidNote, msg)
	}
	note := &Note{LeadID: leadID, AuthorID: &authorID, Body: body, CreatedAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Lead{}).Where("id = ?", leadID).Update("touched_at", gorm.Expr("COALESCE(touched_at, ?)", note.CreatedAt))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Create(note).Error; err != nil {
			return err
		}
		return addActivity(tx, leadID, &authorID, ActivityNoteAdded, strconv.FormatInt(note.ID, 10), note.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("add note: %w", err)
	}
	return note, nil
}

// LeadNotes lists a lead's notes with their authors, oldest first.
func (s *Store) LeadNotes(ctx context.Context, leadID int64) ([]Note, error) {
	var out []Note
	err := s.db.WithContext(ctx).Preload("Author").Where("lead_id = ?", leadID).Order("created_at").Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("load notes: %w", err)
	}
	return out, nil
}

// RecordLeadView notes that userID opened the lead at at, unless they
// already did within the last ten minutes; it reports whether it did.
func (s *Store) RecordLeadView(ctx context.Context, leadID, userID int64, at time.Time) (bool, error) {
	return s.recordView(ctx, leadID, userID, ActivityViewed, at)
}

// RecordBriefView notes that userID opened the lead's call brief at at,
// unless they already did within the last ten minutes; it reports whether
// it did. The brief holds the lead's contact and answers, so who read it
// belongs in the history as much as who opened the page.
func (s *Store) RecordBriefView(ctx context.Context, leadID, userID int64, at time.Time) (bool, error) {
	return s.recordView(ctx, leadID, userID, ActivityBriefViewed, at)
}

func (s *Store) recordView(ctx context.Context, leadID, userID int64, kind string, at time.Time) (bool, error) {
	recorded := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last []Activity
		err := tx.Where("lead_id = ? AND actor_id = ? AND kind = ?", leadID, userID, kind).
			Order("id DESC").Limit(1).Find(&last).Error
		if err != nil {
			return err
		}
		// Compared here rather than in SQL: SQLite keeps times as text.
		if len(last) > 0 && at.Sub(last[0].CreatedAt) < viewDedupe {
			return nil
		}
		recorded = true
		return addActivity(tx, leadID, &userID, kind, "", at.UTC())
	})
	if err != nil {
		return false, fmt.Errorf("record %s: %w", kind, err)
	}
	return recorded, nil
}

// AssignableUsers lists the people who may own a lead: active admins and
// consultants, by name.
func (s *Store) AssignableUsers(ctx context.Context) ([]User, error) {
	var out []User
	err := s.db.WithContext(ctx).Where("disabled_at IS NULL AND role IN ?", []string{RoleAdmin, RoleConsultant}).
		Order("lower(name)").Order("lower(email)").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list assignable users: %w", err)
	}
	return out, nil
}
