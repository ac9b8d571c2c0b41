package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestHooksPutWorkOffToOneFinish: hooks that defer work under the same key
// share one value, and its finish runs once, after the last hook, with
// what every hook added, and without a Batch (so it acts at once); a
// failing finish saves nothing. This is how a new lead's email and
// webhook jobs go in one insert.
func TestHooksPutWorkOffToOneFinish(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			var order []string
			var finished [][]string
			var finishErr error
			type key struct{}
			add := func(name string) models.TxHook {
				return func(_ context.Context, tx models.Tx, _ *models.Lead) error {
					if tx.Batch == nil {
						return errors.New("a new lead's hooks run with a Batch")
					}
					order = append(order, name)
					p := tx.Batch.Defer(key{}, func() any { return new([]string) }, func(_ context.Context, tx models.Tx, v any) error {
						if tx.Batch != nil {
							return errors.New("finish runs without a Batch")
						}
						order = append(order, "finish")
						finished = append(finished, slices.Clone(*v.(*[]string)))
						return finishErr
					}).(*[]string)
					*p = append(*p, name)
					return nil
				}
			}

			if err := store.SaveLead(ctx, sampleLead(t), add("emails"), add("webhooks")); err != nil {
				t.Fatal(err)
			}
			if want := []string{"emails", "webhooks", "finish"}; !slices.Equal(order, want) {
				t.Errorf("ran %v, want %v", order, want)
			}
			if len(finished) != 1 || !slices.Equal(finished[0], []string{"emails", "webhooks"}) {
				t.Errorf("finish got %v, want one call with [emails webhooks]", finished)
			}

			finishErr = errors.New("the insert failed")
			lead := sampleLead(t)
			lead.Email = "second@example.com"
			if err := store.SaveLead(ctx, lead, add("emails")); !errors.Is(err, finishErr) {
				t.Fatalf("SaveLead = %v, want the finish's error", err)
			}
			var n int64
			if err := store.SQLDB().QueryRow("SELECT count(*) FROM leads").Scan(&n); err != nil || n != 1 {
				t.Errorf("%d leads (%v), want only the first: a failing finish saves nothing", n, err)
			}
		})
	}
}
