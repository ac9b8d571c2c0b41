package models

import (
	"context"

	"gorm.io/gorm"
)

// PlanCacheModes reports plan_cache_mode on an ordinary connection and
// inside the transactions the inbox runs in, for tests.
func (s *Store) PlanCacheModes(ctx context.Context) (plain, inbox string, err error) {
	if err = s.db.WithContext(ctx).Raw("SHOW plan_cache_mode").Scan(&plain).Error; err != nil {
		return "", "", err
	}
	err = s.withValuePlans(ctx, func(db *gorm.DB) error {
		return db.Raw("SHOW plan_cache_mode").Scan(&inbox).Error
	})
	return plain, inbox, err
}
