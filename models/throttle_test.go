package models_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestThrottleCountsParallelFailures: failures sent at once are each
// counted, as the count is raised in the database in one statement.
func TestThrottleCountsParallelFailures(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			now := time.Now()
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if _, err := store.RecordLoginFailure(t.Context(), "email:ada@example.com", false, now); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got, err := store.LoginThrottleState(t.Context(), "email:ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got.Failures != 20 || got.LockedUntil != nil {
				t.Fatalf("after 20 parallel failures: %d failures, locked until %v; want 20, never locked", got.Failures, got.LockedUntil)
			}
		})
	}
}

// TestThrottleLocksAtTheLimitAndStartsAgain: a lockable key is locked on
// its tenth failure for 15 minutes; after the lock and the window, the
// count starts again at one.
func TestThrottleLocksAtTheLimitAndStartsAgain(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
			var last models.LoginThrottle
			for i := range 10 {
				var err error
				if last, err = store.RecordLoginFailure(t.Context(), "ip:203.0.113.1", true, start.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
				if i < 9 && last.LockedUntil != nil {
					t.Fatalf("locked after %d failures, want after 10", i+1)
				}
			}
			wantUntil := time.Date(2026, 12, 3, 9, 15, 9, 0, time.UTC)
			if last.Failures != 10 || last.LockedUntil == nil || !last.LockedUntil.Equal(wantUntil) {
				t.Fatalf("tenth failure: %d failures, locked until %v; want 10, %v", last.Failures, last.LockedUntil, wantUntil)
			}
			after, err := store.RecordLoginFailure(t.Context(), "ip:203.0.113.1", true, time.Date(2026, 12, 3, 9, 16, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if after.Failures != 1 || after.LockedUntil != nil || !after.WindowStart.Equal(time.Date(2026, 12, 3, 9, 16, 0, 0, time.UTC)) {
				t.Fatalf("after the lock: %d failures from %v, locked until %v; want 1 from 09:16, not locked", after.Failures, after.WindowStart, after.LockedUntil)
			}
		})
	}
}

// TestThrottleClearsPastFailures: a key's first failure deletes the keys
// whose window and lock have both passed, and keeps the others.
func TestThrottleClearsPastFailures(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
			record := func(key string, at time.Time) {
				t.Helper()
				if _, err := store.RecordLoginFailure(t.Context(), key, true, at); err != nil {
					t.Fatal(err)
				}
			}
			record("ip:203.0.113.1", start) // one failure: past by 09:20
			record("ip:203.0.113.2", start)
			for range 9 {
				record("ip:203.0.113.2", start.Add(14*time.Minute)) // window past by 09:20, locked until 09:29
			}
			record("ip:203.0.113.3", start.Add(20*time.Minute))
			for key, want := range map[string]int{"ip:203.0.113.1": 0, "ip:203.0.113.2": 10} {
				var n int
				err := store.SQLDB().QueryRowContext(t.Context(), "SELECT COALESCE(SUM(failures), 0) FROM login_throttle WHERE key = "+placeholder(dialect), key).Scan(&n)
				if err != nil {
					t.Fatal(err)
				}
				if n != want {
					t.Errorf("%s holds %d failures, want %d", key, n, want)
				}
			}
		})
	}
}

func placeholder(dialect string) string {
	if dialect == models.Postgres {
		return "$1"
	}
	return "?"
}
