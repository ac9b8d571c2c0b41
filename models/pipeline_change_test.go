package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestChangeLeadAtOnce: several changes in one PATCH move the version on
// once and record each in the history; a stale version changes nothing.
func TestChangeLeadAtOnce(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			u, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana", models.RoleConsultant, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			lead := &models.Lead{Name: "Ada", Email: "ada@example.com", DiagnosticVersion: "v1", Band: "leading"}
			if err := store.SaveLead(ctx, lead); err != nil {
				t.Fatal(err)
			}
			status, on, owner := "contacted", "2026-12-24", &u.ID
			ch := models.LeadChange{Status: &status, FollowUp: &on, Owner: &owner}
			if err := store.ChangeLead(ctx, lead.ID, 1, ch, u.ID); err != nil {
				t.Fatal(err)
			}
			got, _ := store.LeadByID(ctx, lead.ID)
			history, _ := store.LeadActivity(ctx, lead.ID, 10)
			kinds := map[string]bool{}
			for _, a := range history {
				kinds[a.Kind] = true
			}
			if got.Version != 2 || got.Status != status || got.FollowUpOn != on || got.OwnerID == nil ||
				!kinds[models.ActivityStatusChanged] || !kinds[models.ActivityAssigned] || !kinds[models.ActivityFollowUpSet] {
				t.Errorf("after one change of three fields: version %d, %+v, history %v", got.Version, got, kinds)
			}
			won := "won"
			if err := store.ChangeLead(ctx, lead.ID, 1, models.LeadChange{Status: &won}, u.ID); !errors.Is(err, models.ErrStale) {
				t.Errorf("a stale change: %v, want ErrStale", err)
			}
			if got, _ := store.LeadByID(ctx, lead.ID); got.Status != status || got.Version != 2 {
				t.Errorf("the stale change changed the lead: %+v", got)
			}
			if err := store.ChangeLead(ctx, lead.ID, 2, models.LeadChange{Status: &status}, u.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := store.LeadByID(ctx, lead.ID); got.Version != 2 {
				t.Errorf("a change to what is already there moved the version to %d", got.Version)
			}
		})
	}
}
