package models_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// openTwice opens two stores on one new PostgreSQL database, each with its
// own connection pool, as two instances of the portal would.
func openTwice(t *testing.T) (*models.Store, *models.Store) {
	t.Helper()
	url := modelstest.DatabaseURL(t)
	var stores [2]*models.Store
	for i := range stores {
		s, err := models.Open(context.Background(), url, t.TempDir(), models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	if _, err := stores[0].Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return stores[0], stores[1]
}

// TestRateLimitHoldsAcrossInstances: 25 requests in one minute, alternating
// between two instances, with a limit of 10: exactly 10 are allowed.
func TestRateLimitHoldsAcrossInstances(t *testing.T) {
	a, b := openTwice(t)
	now := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
	allowed := 0
	for i := range 25 {
		store := a
		if i%2 == 1 {
			store = b
		}
		n, err := store.CountRequest(t.Context(), "submit", "203.0.113.1", now)
		if err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Fatalf("request %d counted as %d", i+1, n)
		}
		if n <= 10 {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("allowed %d of 25 with a limit of 10, want 10", allowed)
	}
	// Another client, another purpose and the next minute each start afresh.
	for _, c := range []struct {
		purpose, client string
		at              time.Time
	}{
		{"submit", "203.0.113.2", now},
		{"login", "203.0.113.1", now},
		{"submit", "203.0.113.1", now.Add(time.Minute)},
	} {
		if n, err := b.CountRequest(t.Context(), c.purpose, c.client, c.at); err != nil || n != 1 {
			t.Errorf("%s from %s at %v counted as %d (%v), want 1", c.purpose, c.client, c.at, n, err)
		}
	}
}

// TestRateLimitUnderConcurrentRequests: requests sent at once from many
// goroutines over two instances are each counted: exactly the limit pass.
func TestRateLimitUnderConcurrentRequests(t *testing.T) {
	a, b := openTwice(t)
	now := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		store := a
		if i%2 == 1 {
			store = b
		}
		wg.Go(func() {
			n, err := store.CountRequest(t.Context(), "login", "203.0.113.1", now)
			if err != nil {
				t.Error(err)
				return
			}
			if n <= 10 {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != 10 {
		t.Fatalf("allowed %d of 40 concurrent requests with a limit of 10, want 10", got)
	}
}

// TestRateLimitClearsPastMinutes: a new minute's first request deletes the
// counts of minutes before the last, so the table stays small.
func TestRateLimitClearsPastMinutes(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			start := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
			for _, at := range []time.Time{start, start.Add(time.Minute), start.Add(2 * time.Minute)} {
				if _, err := store.CountRequest(t.Context(), "submit", "203.0.113.1", at); err != nil {
					t.Fatal(err)
				}
			}
			// 09:00 is gone; 09:01 (the minute before) and 09:02 remain. Back
			// at 09:00 the count therefore starts again at one.
			if n, err := store.CountRequest(t.Context(), "submit", "203.0.113.1", start.Add(time.Minute)); err != nil || n != 2 {
				t.Fatalf("09:01 counted as %d (%v), want 2", n, err)
			}
			if n, err := store.CountRequest(t.Context(), "submit", "203.0.113.1", start); err != nil || n != 1 {
				t.Fatalf("09:00 counted as %d (%v), want 1: its count was not cleared", n, err)
			}
		})
	}
}

// TestRateLimitCountsSkipTheWriteAheadLog: on PostgreSQL the counts are an
// unlogged table (no commit waits for the disk), and sign-in failures,
// which a lock-out must survive a restart with, are not.
func TestRateLimitCountsSkipTheWriteAheadLog(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	for table, want := range map[string]string{"rate_limits": "u", "login_throttle": "p"} {
		var got string
		if err := store.SQLDB().QueryRow("SELECT relpersistence FROM pg_class WHERE relname = $1", table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: relpersistence %q, want %q", table, got, want)
		}
	}
}

// TestSaveLeadCounted: a submission counted against its client's limit as
// it is saved (in the lead's own statement on PostgreSQL). With 2 a minute:
// the first two from one client are saved, the third is over the limit and
// leaves no lead and no hook's work, but its count stands; another client
// and the next minute start afresh; the standalone count sees the same
// total; a form already waiting in quarantine is still a duplicate; and
// every sending of one form counts, whether saved, duplicate or refused.
func TestSaveLeadCounted(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := t.Context()
			at := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
			limit := func(client string, at time.Time) models.RequestLimit {
				return models.RequestLimit{Purpose: "submit", Client: client, At: at, PerMinute: 2}
			}
			hooked := 0
			hook := func(context.Context, models.Tx, *models.Lead) error { hooked++; return nil }
			steps := []struct {
				client string
				at     time.Time
				want   error
			}{
				{"203.0.113.1", at, nil},
				{"203.0.113.1", at.Add(10 * time.Second), nil},
				{"203.0.113.1", at.Add(20 * time.Second), models.ErrOverLimit},
				{"203.0.113.2", at.Add(20 * time.Second), nil},
				{"203.0.113.1", at.Add(40 * time.Second), nil}, // 09:01:10, the next minute
			}
			for i, s := range steps {
				lead := sampleLead(t)
				err := store.SaveLeadCounted(ctx, lead, limit(s.client, s.at), hook)
				if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
					t.Fatalf("step %d (%s at %s): %v, want %v", i+1, s.client, s.at.Format("15:04:05"), err, s.want)
				}
				if (lead.ID != 0) != (s.want == nil) {
					t.Errorf("step %d: lead id %d after %v", i+1, lead.ID, err)
				}
			}
			if n, err := store.CountLeads(ctx); err != nil || n != 4 {
				t.Errorf("leads = %d (%v), want 4", n, err)
			}
			if hooked != 4 {
				t.Errorf("hooks ran %d times, want 4: never for the submission over the limit", hooked)
			}
			// The refused submission was counted: the minute's fourth.
			if n, err := store.CountRequest(ctx, "submit", "203.0.113.1", at); err != nil || n != 4 {
				t.Errorf("the first minute's count after one more = %d (%v), want 4", n, err)
			}

			// A form waiting in quarantine is not saved again, within the limit.
			key := "k-quarantined-form-0001"
			if _, err := store.Quarantine(ctx, keyedLead(t, key), models.QuarantineTooFast); err != nil {
				t.Fatal(err)
			}
			if err := store.SaveLeadCounted(ctx, keyedLead(t, key), limit("203.0.113.3", at), hook); !errors.Is(err, models.ErrDuplicateSubmission) {
				t.Errorf("a form in quarantine saved again: %v, want ErrDuplicateSubmission", err)
			}

			// A form sent again counts each time, so that resending one
			// form is no way round the limit: saved, then a duplicate,
			// then over the limit.
			saved := "k-saved-form-resent-0001"
			for i, want := range []error{nil, models.ErrDuplicateSubmission, models.ErrOverLimit} {
				if err := store.SaveLeadCounted(ctx, keyedLead(t, saved), limit("203.0.113.4", at), hook); !errors.Is(err, want) || (want == nil && err != nil) {
					t.Errorf("sending one form for the %d. time: %v, want %v", i+1, err, want)
				}
			}
			for client, want := range map[string]int{"203.0.113.3": 2, "203.0.113.4": 4} {
				if n, err := store.CountRequest(ctx, "submit", client, at); err != nil || n != want {
					t.Errorf("count for %s after one more = %d (%v), want %d", client, n, err, want)
				}
			}
		})
	}
}
