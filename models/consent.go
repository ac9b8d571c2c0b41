package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Consent purposes the diagnostic asks for.
const (
	PurposeSummary   = "summary"
	PurposeMarketing = "marketing"
)

// Active reports whether the consent was given and not withdrawn since.
func (c Consent) Active() bool { return c.Granted && c.WithdrawnAt == nil }

// WithdrawConsent records, with its time, that a lead withdrew a consent it
// had given. It reports whether anything changed, so withdrawing twice is
// harmless; an unknown lead is ErrNotFound.
func (s *Store) WithdrawConsent(ctx context.Context, leadID int64, purpose string, at time.Time) (bool, error) {
	db := s.db.WithContext(ctx)
	changed := false
	err := db.Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Consent{}).
			Where("lead_id = ? AND purpose = ? AND granted = ? AND withdrawn_at IS NULL", leadID, purpose, true).
			Update("withdrawn_at", at)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		if purpose == PurposeMarketing {
			if err := tx.Model(&Lead{}).Where("id = ?", leadID).Update("marketing_opt_in", false).Error; err != nil {
				return err
			}
		}
		if err := addActivity(tx, leadID, nil, ActivityConsentWithdrawn, purpose, at); err != nil {
			return err
		}
		return s.emitGORM(tx, LeadEvent{Type: EventLeadConsentWithdrawn, LeadID: leadID, At: at.UTC(), Data: map[string]any{"purpose": purpose}})
	})
	if err != nil {
		return false, fmt.Errorf("withdraw consent: %w", err)
	}
	if changed {
		return true, nil
	}
	var n int64
	if err := db.Model(&Lead{}).Where("id = ?", leadID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("withdraw consent: %w", err)
	}
	if n == 0 {
		return false, ErrNotFound
	}
	return false, nil
}
