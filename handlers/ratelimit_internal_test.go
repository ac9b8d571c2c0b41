package handlers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestRateLimitPerClockMinute: one SUBMIT_RATE_LIMIT, one rule, whichever
// database counts it (PostgreSQL in its table, SQLite's single process in
// memory): the limit's number of requests per client in each clock minute,
// the next refused until the minute ends, with Retry-After the seconds
// left to it, and a new minute allowing again.
func TestRateLimitPerClockMinute(t *testing.T) {
	const perMinute = 3
	at := func(clock string) time.Time {
		t.Helper()
		tm, err := time.Parse("15:04:05.000", clock)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 12, 3, tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), time.UTC)
	}
	steps := []struct {
		clock      string
		client     string
		ok         bool
		retryAfter int
	}{
		{"09:00:15.000", "203.0.113.1", true, 0},
		{"09:00:30.000", "203.0.113.1", true, 0},
		{"09:00:31.000", "203.0.113.2", true, 0}, // another client has its own count
		{"09:00:44.500", "203.0.113.1", true, 0},
		{"09:00:45.000", "203.0.113.1", false, 15}, // the fourth in the minute
		{"09:00:45.200", "203.0.113.1", false, 15}, // 14.8 s left: a whole 15
		{"09:00:59.999", "203.0.113.1", false, 1},
		{"09:00:59.999", "203.0.113.2", true, 0},
		{"09:01:00.000", "203.0.113.1", true, 0}, // a new minute allows again
		{"09:01:00.000", "203.0.113.1", true, 0},
		{"09:01:00.000", "203.0.113.1", true, 0},
		{"09:01:00.000", "203.0.113.1", false, 60},
		{"09:01:00.000", "203.0.113.2", true, 0}, // 09:00:59.999 and 09:01:00: up to twice the limit across the boundary
		{"09:01:01.000", "203.0.113.2", true, 0},
		{"09:01:02.000", "203.0.113.2", true, 0},
		{"09:01:03.000", "203.0.113.2", false, 57},
		{"09:03:10.000", "203.0.113.1", true, 0}, // minutes later
	}
	limiters := []struct {
		dialect string
		kind    string // the limiter each dialect really gets
	}{
		{models.Postgres, "*handlers.sharedLimiter"},
		{models.SQLite, "*handlers.clientLimiter"},
	}
	for _, l := range limiters {
		t.Run(l.dialect, func(t *testing.T) {
			limiter := newRequestLimiter(modelstest.Open(t, l.dialect), limitSubmit, perMinute)
			if kind := typeName(limiter); kind != l.kind {
				t.Fatalf("%s gets a %s, want %s", l.dialect, kind, l.kind)
			}
			for i, s := range steps {
				retryAfter, ok, err := limiter.allow(t.Context(), s.client, at(s.clock))
				if err != nil {
					t.Fatal(err)
				}
				if ok != s.ok || retryAfter != s.retryAfter {
					t.Errorf("step %d, %s from %s: allowed %v, Retry-After %d; want %v, %d",
						i+1, s.clock, s.client, ok, retryAfter, s.ok, s.retryAfter)
				}
			}
		})
	}
}

// TestRateLimitInMemoryKeepsOnlyTheCurrentMinute: memory stays bounded by
// one minute's clients.
func TestRateLimitInMemoryKeepsOnlyTheCurrentMinute(t *testing.T) {
	l := newClientLimiter(10)
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, c := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		l.allow(t.Context(), c, start)
	}
	l.allow(t.Context(), "203.0.113.4", start.Add(time.Minute))
	if len(l.counts) != 1 {
		t.Errorf("%d clients held after a new minute, want 1: %v", len(l.counts), l.counts)
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
