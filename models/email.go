package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The two emails every lead produces.
const (
	EmailProspectSummary  = "prospect_summary"
	EmailTeamNotification = "team_notification"
)

// EmailKinds lists every email a saved lead produces, in sending order.
var EmailKinds = []string{EmailProspectSummary, EmailTeamNotification}

// LeadEmail is the delivery state of one of a lead's emails.
type LeadEmail struct {
	LeadID        int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind          string `gorm:"primaryKey"`
	MessageID     string // the local part of the Message-ID, stable across retries
	QueuedAt      time.Time
	Attempts      int
	LastAttemptAt *time.Time
	LastError     string
	SentAt        *time.Time
	FailedAt      *time.Time // set when the server refused it for good
}

// TableName keeps the table name explicit rather than inferred.
func (LeadEmail) TableName() string { return "lead_emails" }

// Status sums up the delivery state in a word: queued (also after "send
// again"), retrying, sent or failed.
func (e LeadEmail) Status() string {
	switch {
	case e.SentAt != nil:
		return "sent"
	case e.FailedAt != nil:
		return "failed"
	case e.Attempts > 0 && (e.LastAttemptAt == nil || !e.QueuedAt.After(*e.LastAttemptAt)):
		return "retrying"
	default:
		return "queued"
	}
}

// messageIDFor derives a Message-ID local part from the lead's token (never
// the token itself: it unlocks the result page) and the kind of email.
func messageIDFor(token, kind string) string {
	sum := sha256.Sum256([]byte(token))
	return kind + "." + hex.EncodeToString(sum[:10])
}

// LeadEmailState returns the delivery state of one of a lead's emails.
func (s *Store) LeadEmailState(ctx context.Context, leadID int64, kind string) (*LeadEmail, error) {
	var e LeadEmail
	err := s.db.WithContext(ctx).Where("lead_id = ? AND kind = ?", leadID, kind).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load email state: %w", err)
	}
	return &e, nil
}

// RecordEmailSent notes that the mail server accepted the email.
func (s *Store) RecordEmailSent(ctx context.Context, leadID int64, kind string, at time.Time) error {
	if s.dialect == Postgres {
		return s.recordEmailSentPostgres(ctx, leadID, kind, at)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&LeadEmail{}).
			Where("lead_id = ? AND kind = ?", leadID, kind).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_attempt_at": at, "sent_at": at, "failed_at": nil})
		if res.Error != nil {
			return fmt.Errorf("record email sent: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return addActivity(tx, leadID, nil, ActivityEmailSent, kind, at)
	})
}

// RecordEmailFailure notes a failed attempt and why; permanent marks an
// email the server refused for good.
func (s *Store) RecordEmailFailure(ctx context.Context, leadID int64, kind string, at time.Time, reason string, permanent bool) error {
	updates := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_attempt_at": at, "last_error": truncate(reason, 1000)}
	if permanent {
		updates["failed_at"] = at
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&LeadEmail{}).Where("lead_id = ? AND kind = ?", leadID, kind).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("record email failure: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if !permanent {
			return nil // retries are visible on the email's state; the history keeps outcomes
		}
		return addActivity(tx, leadID, nil, ActivityEmailFailed, kind, at)
	})
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max]
}

// EmailHook queues one email inside a transaction of the store's.
type EmailHook func(ctx context.Context, tx Tx, leadID int64, kind string) error

// ResendEmail marks one of a lead's emails to be sent again, whatever
// happened to it before, and queues it with queue in the same transaction.
func (s *Store) ResendEmail(ctx context.Context, leadID int64, kind string, actorID *int64, queue EmailHook) error {
	now := time.Now().UTC()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&LeadEmail{}).Where("lead_id = ? AND kind = ?", leadID, kind).
			Updates(map[string]any{"sent_at": nil, "failed_at": nil, "last_error": "", "queued_at": now})
		if res.Error != nil {
			return fmt.Errorf("resend email: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := addActivity(tx, leadID, actorID, ActivityEmailResent, kind, now); err != nil {
			return err
		}
		hookTx, err := gormTx(tx)
		if err != nil {
			return fmt.Errorf("resend email: %w", err)
		}
		return queue(ctx, hookTx, leadID, kind)
	})
}
