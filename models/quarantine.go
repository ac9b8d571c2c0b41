package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Reasons a submission is quarantined rather than saved as a lead.
const (
	QuarantineHoneypot   = "honeypot"    // the field people never see was filled in
	QuarantineTooFast    = "too_fast"    // sent sooner after the form was served than a person could answer
	QuarantineNoToken    = "no_token"    // the form's timing token was missing or altered
	QuarantineStaleToken = "stale_token" // the form was served too long ago
	QuarantineReused     = "reused"      // a form already sent came back with different details
)

// ActivityReleased is a lead's history entry for its release from quarantine.
const ActivityReleased = "released"

// Quarantined is a submission that looked automated: stored whole, marked
// with why, and sending no email until an admin releases it into leads or
// deletes it. Nothing a visitor sent is dropped unseen.
type Quarantined struct {
	ID            int64
	Token         string  // the result page's token; the lead keeps it on release
	SubmissionKey *string // the form's key, so sending it again finds this entry
	Reason        string
	Lead          Lead `gorm:"serializer:json"`
	CreatedAt     time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (Quarantined) TableName() string { return "quarantined_submissions" }

// Quarantine stores a suspect submission instead of saving it as a lead;
// lead gets its result token and creation time as SaveLead would give them.
// The same form (by its submission key) already stored, here or as a lead,
// is ErrDuplicateSubmission.
func (s *Store) Quarantine(ctx context.Context, lead *Lead, reason string) (*Quarantined, error) {
	if lead.ID != 0 {
		return nil, errors.New("quarantine: lead already has an id")
	}
	if err := prepareLead(lead); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	q := &Quarantined{Token: lead.Token, SubmissionKey: lead.SubmissionKey, Reason: reason, Lead: *lead, CreatedAt: lead.CreatedAt}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if lead.SubmissionKey != nil {
			var n int64
			if err := tx.Model(&Lead{}).Where("submission_key = ?", *lead.SubmissionKey).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrDuplicateSubmission
			}
		}
		return tx.Create(q).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) && lead.SubmissionKey != nil {
		err = ErrDuplicateSubmission
	}
	if errors.Is(err, ErrDuplicateSubmission) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	return q, nil
}

// QuarantinedByToken finds a quarantined submission by its result token.
func (s *Store) QuarantinedByToken(ctx context.Context, token string) (*Quarantined, error) {
	return s.findQuarantined(ctx, "token = ?", token)
}

// QuarantinedBySubmissionKey finds a quarantined submission by its form's key.
func (s *Store) QuarantinedBySubmissionKey(ctx context.Context, key string) (*Quarantined, error) {
	return s.findQuarantined(ctx, "submission_key = ?", key)
}

func (s *Store) findQuarantined(ctx context.Context, where string, arg string) (*Quarantined, error) {
	if arg == "" {
		return nil, ErrNotFound
	}
	var q Quarantined
	err := s.db.WithContext(ctx).Where(where, arg).Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find quarantined submission: %w", err)
	}
	return &q, nil
}

// QuarantineLimit is how many quarantined submissions the list shows.
const QuarantineLimit = 200

// QuarantineList returns the newest quarantined submissions, up to
// QuarantineLimit, and how many there are in all.
func (s *Store) QuarantineList(ctx context.Context) ([]Quarantined, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&Quarantined{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count quarantined submissions: %w", err)
	}
	var list []Quarantined
	if err := db.Order("created_at DESC, id DESC").Limit(QuarantineLimit).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("list quarantined submissions: %w", err)
	}
	return list, total, nil
}

// ReleaseQuarantined turns a quarantined submission into the lead it would
// have been, with the same result token and creation time, and runs hooks
// (queuing its emails) in the same transaction. The lead's history records
// who released it. A submission already released or deleted is ErrNotFound.
func (s *Store) ReleaseQuarantined(ctx context.Context, id int64, actorID *int64, now time.Time, hooks ...TxHook) (*Lead, error) {
	var lead *Lead
	hooks = s.withLeadCreated(hooks)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var q Quarantined
		if err := tx.Where("id = ?", id).Take(&q).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		// Delete first: of two admins releasing at once, one deletes nothing
		// and stops here, so the lead is made once.
		res := tx.Where("id = ?", id).Delete(&Quarantined{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		lead = &q.Lead
		lead.ID = 0
		lead.Token = q.Token
		lead.SubmissionKey = q.SubmissionKey
		if err := prepareLead(lead); err != nil {
			return err
		}
		if err := insertLead(ctx, tx, lead, hooks); err != nil {
			return err
		}
		return addActivity(tx, lead.ID, actorID, ActivityReleased, q.Reason, now)
	})
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("release quarantined submission: %w", err)
	}
	return lead, nil
}

// DeleteQuarantined deletes a quarantined submission for good; one already
// released or deleted is ErrNotFound.
func (s *Store) DeleteQuarantined(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&Quarantined{})
	if res.Error != nil {
		return fmt.Errorf("delete quarantined submission: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// QuarantineDays is how long a quarantined submission waits for an admin
// before it is deleted: it holds personal data nobody has confirmed.
const QuarantineDays = 30

// PurgeQuarantine deletes quarantined submissions received before cutoff
// and reports how many it deleted.
func (s *Store) PurgeQuarantine(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", cutoff.UTC()).Delete(&Quarantined{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge quarantine: %w", res.Error)
	}
	return res.RowsAffected, nil
}
