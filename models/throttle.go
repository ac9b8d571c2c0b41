package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LoginThrottle counts recent sign-in failures for one key: an account
// ("email:…"), a client address ("ip:…") or an account tried from one
// address ("email:… ip:…").
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

// RecordLoginFailure counts a failure for the key in one statement, so
// failures sent in parallel are all counted. A key whose window has passed
// (and whose lock, if any, has ended) starts again at one; a first failure
// never locks, as ThrottleLockAfter is more than one. When lock is set
// the key is refused for ThrottleLockFor once it reaches ThrottleLockAfter;
// an account alone is never locked, only slowed, so that failures from
// other addresses cannot lock its owner out.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, lock bool, now time.Time) (LoginThrottle, error) {
	now = now.UTC()
	cut := now.Add(-ThrottleWindow)
	until := now.Add(ThrottleLockFor)
	const restart = `(login_throttle.window_start < @cut AND (login_throttle.locked_until IS NULL OR login_throttle.locked_until <= @now))`
	const failures = `CASE WHEN ` + restart + ` THEN 1 ELSE login_throttle.failures + 1 END`
	var t LoginThrottle
	err := s.db.WithContext(ctx).Raw(`INSERT INTO login_throttle (key, failures, window_start, locked_until)
VALUES (@key, 1, @now, NULL)
ON CONFLICT (key) DO UPDATE SET
    failures = `+failures+`,
    window_start = CASE WHEN `+restart+` THEN @now ELSE login_throttle.window_start END,
    locked_until = CASE WHEN @lock AND `+failures+` >= @lockAfter THEN @until
                        WHEN `+restart+` THEN NULL
                        ELSE login_throttle.locked_until END
RETURNING key, failures, window_start, locked_until`,
		sql.Named("key", key), sql.Named("now", now), sql.Named("cut", cut), sql.Named("until", until),
		sql.Named("lock", lock), sql.Named("lockAfter", ThrottleLockAfter)).Scan(&t).Error
	if err != nil {
		return t, fmt.Errorf("record login failure: %w", err)
	}
	if t.Failures == 1 {
		err := s.db.WithContext(ctx).Exec("DELETE FROM login_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until <= ?)", cut, now).Error
		if err != nil {
			return t, fmt.Errorf("clear past login failures: %w", err)
		}
	}
	return t, nil
}

// ClearLoginFailures forgets a key's failures, after a good sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("key = ?", key).Delete(&LoginThrottle{}).Error
}
