package models_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stellapop/intake/models/modelstest"
)

// TestFirstSecretFingerprintIsKept: the first fingerprint recorded stays,
// even when two instances with different secrets start at once, and both
// are told which one it is.
func TestFirstSecretFingerprintIsKept(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			got := make([]string, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, fp := range []string{"aaaa", "bbbb"} {
				wg.Go(func() { got[i], errs[i] = store.RecordSecretFingerprint(ctx, fp) })
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("record: %v, %v", errs[0], errs[1])
			}
			if got[0] != got[1] || (got[0] != "aaaa" && got[0] != "bbbb") {
				t.Fatalf("two instances were told %q and %q; want both told the one recorded", got[0], got[1])
			}
			first := got[0]
			if again, err := store.RecordSecretFingerprint(ctx, "cccc"); err != nil || again != first {
				t.Errorf("a later start recorded over the first: got %q, %v; want %q", again, err, first)
			}
			var rows int
			if err := store.SQLDB().QueryRowContext(ctx, "SELECT COUNT(*) FROM instance_settings").Scan(&rows); err != nil || rows != 1 {
				t.Errorf("instance_settings holds %d rows (%v), want 1", rows, err)
			}
		})
	}
}
