package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestRetentionAnonymisesOnlyLeadsPastTheLimit(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			now := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC)
			saveAged := func(name string, age time.Duration) *models.Lead {
				l := sampleLead(t)
				l.Name, l.Email = name, name+"@example.com"
				l.CreatedAt = now.Add(-age)
				if err := store.SaveLead(ctx, l); err != nil {
					t.Fatal(err)
				}
				return l
			}
			day := 24 * time.Hour
			oldest := saveAged("oldest", 900*day)
			middle := saveAged("middle", 800*day)
			justPast := saveAged("justpast", 730*day+time.Minute)
			justInside := saveAged("justinside", 730*day-time.Minute)
			recent := saveAged("recent", 3*day)
			policy := models.Retention{Days: 730, Now: now, Batch: 2}

			due, err := store.LeadsDueForRetention(ctx, policy)
			if err != nil {
				t.Fatal(err)
			}
			if due.Count != 3 || !due.Oldest.Equal(oldest.CreatedAt) || !due.Newest.Equal(justPast.CreatedAt) {
				t.Errorf("due = %+v, want 3 from %s to %s", due, oldest.CreatedAt, justPast.CreatedAt)
			}
			if found := modelstest.FindText(t, store, "oldest@example.com"); len(found) == 0 {
				t.Fatal("counting what is due changed the data")
			}

			// Batches of two: three leads take two transactions.
			n, err := store.ApplyRetention(ctx, policy)
			if err != nil || n != 3 {
				t.Fatalf("ApplyRetention = %d, %v; want 3", n, err)
			}
			for _, l := range []*models.Lead{oldest, middle, justPast} {
				got, err := store.LeadByID(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.ErasedAt == nil || !got.ErasedAt.Equal(now) || got.Name != models.ErasedName || got.Email != "" {
					t.Errorf("lead created %s: %+v, want anonymised at %s", l.CreatedAt, got, now)
				}
				if got.Band != l.Band || got.OverallIndex != l.OverallIndex || len(got.Scores) != len(l.Scores) {
					t.Errorf("lead created %s lost its result: %+v", l.CreatedAt, got)
				}
				history, _ := store.LeadActivity(ctx, l.ID, -1)
				if history[0].Kind != models.ActivityErased || history[0].ActorID != nil || history[0].Detail != models.ErasedByRetention {
					t.Errorf("latest history entry = %+v, want an erasure by retention", history[0])
				}
				// Retention is not an objection: the address may agree afresh.
				if ok, _ := store.IsSuppressed(ctx, l.Email); ok {
					t.Errorf("%s is suppressed after retention", l.Email)
				}
			}
			for _, l := range []*models.Lead{justInside, recent} {
				got, err := store.LeadByID(ctx, l.ID)
				if err != nil || got.ErasedAt != nil || got.Name != l.Name || got.Email != l.Email {
					t.Errorf("lead created %s was touched: %+v, %v", l.CreatedAt, got, err)
				}
			}

			again, err := store.ApplyRetention(ctx, policy)
			if err != nil || again != 0 {
				t.Errorf("second run = %d, %v; want 0", again, err)
			}
			if due, _ := store.LeadsDueForRetention(ctx, policy); due.Count != 0 {
				t.Errorf("still due after the run: %+v", due)
			}
		})
	}
}

func TestRetentionRefusesAZeroLimit(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	if err := store.SaveLead(context.Background(), sampleLead(t)); err != nil {
		t.Fatal(err)
	}
	if n, err := store.ApplyRetention(context.Background(), models.Retention{Days: 0}); err == nil || n != 0 {
		t.Errorf("ApplyRetention with 0 days = %d, %v; want an error and nothing anonymised", n, err)
	}
}
