package models_test

import (
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestPostgresPlansWithValues checks that connections plan each statement
// with its values (see openPostgres), and that ExplainInbox shows the
// inbox's plans.
func TestPostgresPlansWithValues(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	var mode string
	if err := store.SQLDB().QueryRow("SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %q, %v", mode, err)
	}
	plan, err := store.ExplainInbox(t.Context(), models.InboxFilter{Status: models.StatusWon, Search: "ada"})
	if err != nil || len(plan.List) == 0 || len(plan.Count) == 0 || len(models.Indexes(plan.List)) == 0 {
		t.Errorf("ExplainInbox = %q, %v", plan, err)
	}
}
