package models

import (
	"context"
	"fmt"
	"time"
)

// RateWindow is the span requests are counted in for a rate limit.
const RateWindow = time.Minute

// RateMinute is the one rule of every rate limit's window, counted in the
// database or in memory: the clock minute now falls in (minutes since the
// Unix epoch), and the whole seconds until the next one begins, 1 to 60,
// which a refused request is told to wait.
func RateMinute(now time.Time) (window int64, untilNext int) {
	start := now.Truncate(RateWindow) // Truncate counts from the zero time, a whole number of minutes before the epoch
	left := start.Add(RateWindow).Sub(now)
	return start.Unix() / int64(RateWindow/time.Second), int((left + time.Second - 1) / time.Second)
}

// countRequestSQL adds one to a client's count for the minute and returns
// the new total, in one statement (placeholders for PostgreSQL and GORM alike).
const countRequestSQL = `INSERT INTO rate_limits (purpose, client, window_start, count) VALUES ($1, $2, $3, 1)
ON CONFLICT (purpose, client, window_start) DO UPDATE SET count = rate_limits.count + 1
RETURNING count`

// CountRequest counts one request from client for purpose in the minute
// holding now, in one statement so that every instance sharing the
// database counts into the same total, and returns that minute's total so
// far. Each instance's first request of a minute also clears the minutes
// before the last, so the table holds about two minutes of clients.
func (s *Store) CountRequest(ctx context.Context, purpose, client string, now time.Time) (int, error) {
	window, _ := RateMinute(now)
	var count int
	var err error
	if s.pool != nil {
		// Straight to pgx, whose prepared statement skips GORM's building
		// and reflection: this runs before every submission.
		err = s.pool.QueryRow(ctx, countRequestSQL, purpose, client, window).Scan(&count)
	} else {
		err = s.db.WithContext(ctx).Raw(countRequestSQL, purpose, client, window).Scan(&count).Error
	}
	if err != nil {
		return 0, fmt.Errorf("count request: %w", err)
	}
	// Once per minute per instance, not once per new client: with visitors
	// each from their own address, nearly every submission is a minute's
	// first from its client.
	if last := s.rateCleared.Load(); window > last && s.rateCleared.CompareAndSwap(last, window) {
		err := s.db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", window-1).Error
		if err != nil {
			return count, fmt.Errorf("clear past request counts: %w", err)
		}
	}
	return count, nil
}
