package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// LoginThrottle counts recent sign-in failures for one key: an account
// ("email:…") or a client address ("ip:…").
type LoginThrottle struct {
	Key         string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (LoginThrottle) TableName() string { return "login_throttle" }

// Throttle policy: failures count within a window; past slowAfter each
// further try is slowed, past lockAfter the key is refused for lockFor.
const (
	ThrottleWindow    = 15 * time.Minute
	ThrottleSlowAfter = 3
	ThrottleLockAfter = 10
	ThrottleLockFor   = 15 * time.Minute
)

// LoginThrottleState returns the key's recent failures and lock, if any.
func (s *Store) LoginThrottleState(ctx context.Context, key string) (LoginThrottle, error) {
	var t LoginThrottle
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return LoginThrottle{Key: key}, nil
	}
	if err != nil {
		return t, fmt.Errorf("load throttle: %w", err)
	}
	if time.Since(t.WindowStart) > ThrottleWindow && (t.LockedUntil == nil || time.Now().After(*t.LockedUntil)) {
		return LoginThrottle{Key: key}, nil
	}
	return t, nil
}

// RecordLoginFailure counts a failure for the key, locking it when it
// reaches ThrottleLockAfter.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, now time.Time) (LoginThrottle, error) {
	t, err := s.LoginThrottleState(ctx, key)
	if err != nil {
		return t, err
	}
	if t.Failures == 0 {
		t.WindowStart = now
	}
	t.Failures++
	if t.Failures >= ThrottleLockAfter {
		until := now.Add(ThrottleLockFor)
		t.LockedUntil = &until
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error
	if err != nil {
		return t, fmt.Errorf("record login failure: %w", err)
	}
	return t, nil
}

// ClearLoginFailures forgets a key's failures, after a good sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("key = ?", key).Delete(&LoginThrottle{}).Error
}
