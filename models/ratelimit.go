package models

import (
	"context"
	"errors"
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
// the new total, in one statement (placeholders for PostgreSQL and GORM
// alike). The lead's own statement counts by the same rule (insertLeadSQL).
var countRequestSQL = countRequestCTE("$1", "$2", "$3", "true")

// countRequestCTE is the one rule of counting a request: one more for the
// client in the minute, the new total returned, from the parameters named
// purpose, client and window (the minute, RateMinute). when is a condition
// that must hold for it to count; "true" counts always (SQLite's upsert
// needs a WHERE on its SELECT, and the casts let PostgreSQL type the
// parameters, which an INSERT … SELECT does not do for it).
func countRequestCTE(purpose, client, window, when string) string {
	return `INSERT INTO rate_limits (purpose, client, window_start, count)
	SELECT CAST(` + purpose + ` AS TEXT), CAST(` + client + ` AS TEXT), CAST(` + window + ` AS BIGINT), 1 WHERE ` + when + `
	ON CONFLICT (purpose, client, window_start) DO UPDATE SET count = rate_limits.count + 1
	RETURNING count`
}

// RequestLimit asks SaveLeadCounted to count a request from Client for
// Purpose at At, and to save nothing but the count when it makes more than
// PerMinute in that minute.
type RequestLimit struct {
	Purpose, Client string
	At              time.Time
	PerMinute       int
}

// ErrOverLimit is a request counted over its limit: nothing else was saved.
var ErrOverLimit = errors.New("over the request limit")

// SaveLeadCounted is SaveLead with the submission counted against its
// client's limit first, by CountRequest's rule, or ErrOverLimit when the
// count goes over it, with the lead not saved. On PostgreSQL the count is
// part of the lead's own statement, so a submission costs no round trip
// more for its limit. A save that fails takes its count back with it, and
// the visitor, told to send again, is counted then; a form already saved
// or in quarantine (ErrDuplicateSubmission) is counted on its own.
func (s *Store) SaveLeadCounted(ctx context.Context, lead *Lead, limit RequestLimit, hooks ...TxHook) error {
	if limit.Purpose == "" {
		return errors.New("save lead: a count needs its purpose")
	}
	if s.dialect != Postgres {
		n, err := s.CountRequest(ctx, limit.Purpose, limit.Client, limit.At)
		if err != nil {
			return err
		}
		if n > limit.PerMinute {
			return ErrOverLimit
		}
		return s.SaveLead(ctx, lead, hooks...)
	}
	err := s.saveLead(ctx, lead, limit, hooks)
	if errors.Is(err, ErrDuplicateSubmission) {
		// A form sent again rolled its count back with the save: it is
		// counted on its own, so that resending one form is no way round
		// the limit.
		n, cerr := s.CountRequest(ctx, limit.Purpose, limit.Client, limit.At)
		switch {
		case cerr != nil:
			return cerr
		case n > limit.PerMinute:
			return ErrOverLimit
		}
		return err
	}
	if err != nil {
		return err
	}
	window, _ := RateMinute(limit.At)
	return s.clearPastCounts(ctx, window)
}

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
	return count, s.clearPastCounts(ctx, window)
}

// clearPastCounts deletes the counts of the minutes before the last, once
// per minute per instance, not once per new client: with visitors each
// from their own address, nearly every submission is a minute's first
// from its client.
func (s *Store) clearPastCounts(ctx context.Context, window int64) error {
	if last := s.rateCleared.Load(); window > last && s.rateCleared.CompareAndSwap(last, window) {
		err := s.db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", window-1).Error
		if err != nil {
			return fmt.Errorf("clear past request counts: %w", err)
		}
	}
	return nil
}
