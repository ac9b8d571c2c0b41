package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Kinds of activity on a lead.
const (
	ActivityCreated          = "created"
	ActivityViewed           = "viewed"
	ActivityBriefViewed      = "brief_viewed"
	ActivityStatusChanged    = "status_changed"
	ActivityAssigned         = "assigned"
	ActivityFollowUpSet      = "follow_up_set"
	ActivityNoteAdded        = "note_added"
	ActivityEmailSent        = "email_sent"
	ActivityEmailFailed      = "email_failed"
	ActivityEmailResent      = "email_resent"
	ActivityConsentWithdrawn = "consent_withdrawn"
)

// Activity is one entry in a lead's history.
type Activity struct {
	ID        int64
	LeadID    int64
	ActorID   *int64
	Actor     *User `gorm:"foreignKey:ActorID"`
	Kind      string
	Detail    string
	CreatedAt time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (Activity) TableName() string { return "lead_activity" }

func addActivity(tx *gorm.DB, leadID int64, actorID *int64, kind, detail string, at time.Time) error {
	return tx.Create(&Activity{LeadID: leadID, ActorID: actorID, Kind: kind, Detail: detail, CreatedAt: at}).Error
}

// LeadActivity lists a lead's history, newest first.
func (s *Store) LeadActivity(ctx context.Context, leadID int64, limit int) ([]Activity, error) {
	var out []Activity
	err := s.db.WithContext(ctx).Preload("Actor").Where("lead_id = ?", leadID).
		Order("created_at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("load activity: %w", err)
	}
	return out, nil
}
