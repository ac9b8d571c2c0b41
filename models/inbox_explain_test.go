package models_test

import (
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestPostgresPlansWithValues checks that the inbox's queries are planned
// with their values while everything else keeps PostgreSQL's plan cache
// (see withValuePlans), and that ExplainInbox shows the inbox's plans.
func TestPostgresPlansWithValues(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	plain, inbox, err := store.PlanCacheModes(t.Context())
	if err != nil || plain != "auto" || inbox != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %q outside the inbox and %q in it (%v), want auto and force_custom_plan", plain, inbox, err)
	}
	plan, err := store.ExplainInbox(t.Context(), models.InboxFilter{Status: models.StatusWon, Search: "ada"})
	if err != nil || len(plan.List) == 0 || len(plan.Count) == 0 || len(models.Indexes(plan.List)) == 0 {
		t.Errorf("ExplainInbox = %q, %v", plan, err)
	}
}
