package models

import (
	"context"
	"fmt"
	"time"
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
	res := db.Model(&Consent{}).
		Where("lead_id = ? AND purpose = ? AND granted = ? AND withdrawn_at IS NULL", leadID, purpose, true).
		Update("withdrawn_at", at)
	if res.Error != nil {
		return false, fmt.Errorf("withdraw consent: %w", res.Error)
	}
	if res.RowsAffected > 0 {
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
