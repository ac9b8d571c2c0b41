package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// agedLead saves a lead created age ago.
func agedLead(t *testing.T, store *models.Store, name string, age time.Duration) *models.Lead {
	t.Helper()
	l := &models.Lead{
		Name: name, Email: strings.ToLower(name) + "@example.com", Company: "Acme", Role: "COO",
		DiagnosticVersion: "v1", OverallIndex: 50, Band: "emerging", CreatedAt: time.Now().UTC().Add(-age),
	}
	if err := store.SaveLead(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRetentionCommand(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := append(seedVars(t, dialect), "RETENTION_DAYS", "365")
			var out, errOut bytes.Buffer
			if code := run([]string{"migrate"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("migrate: exit %d: %s", code, errOut.String())
			}
			store := openSeeded(t, vars)
			day := 24 * time.Hour
			oldest := agedLead(t, store, "Oldest", 500*day)
			old := agedLead(t, store, "Old", 400*day)
			young := agedLead(t, store, "Young", 300*day)

			out.Reset()
			if code := run([]string{"retention", "--dry-run"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("retention --dry-run: exit %d: %s", code, errOut.String())
			}
			want := "Dry run: 2 leads created before " + time.Now().UTC().AddDate(0, 0, -365).Format(time.DateOnly) +
				" (RETENTION_DAYS=365) would be anonymised, the oldest created " + oldest.CreatedAt.Format(time.DateOnly) +
				", the newest " + old.CreatedAt.Format(time.DateOnly) + "; nothing changed.\n"
			if out.String() != want {
				t.Errorf("dry run printed\n%q\nwant\n%q", out.String(), want)
			}
			for _, l := range []*models.Lead{oldest, old, young} {
				if got, _ := store.LeadByID(context.Background(), l.ID); got.ErasedAt != nil || got.Name != l.Name {
					t.Errorf("the dry run changed %s: %+v", l.Name, got)
				}
			}

			// An endpoint that hears of erasures: the command queues lead.erased
			// for each lead it anonymises, as the daily upkeep would.
			ep := &models.WebhookEndpoint{URL: "https://crm.example.com/in", Kind: models.WebhookStandard, Events: models.EventLeadErased, Secret: "whsec_x"}
			if err := store.CreateWebhookEndpoint(context.Background(), ep); err != nil {
				t.Fatal(err)
			}

			out.Reset()
			if code := run([]string{"retention"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("retention: exit %d: %s", code, errOut.String())
			}
			if !strings.HasPrefix(out.String(), "Anonymised 2 leads created before ") {
				t.Errorf("retention printed %q", out.String())
			}
			for _, l := range []*models.Lead{oldest, old, young} {
				got, err := store.LeadByID(context.Background(), l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if erased := got.ErasedAt != nil && got.Name == models.ErasedName && got.Email == ""; erased != (l != young) {
					t.Errorf("%s after retention: %+v", l.Name, got)
				}
			}

			var queued int
			if err := store.SQLDB().QueryRow("SELECT count(*) FROM river_job WHERE kind = 'webhook'").Scan(&queued); err != nil || queued != 2 {
				t.Errorf("the command queued %d webhook deliveries (%v), want lead.erased for each of the 2 leads", queued, err)
			}

			out.Reset()
			if code := run([]string{"retention", "--dry-run"}, env(vars...), &out, &errOut); code != 0 || !strings.Contains(out.String(), "no lead created before") {
				t.Errorf("dry run after retention: exit %d, %q", code, out.String())
			}
		})
	}
}

func TestRetentionCommandRejectsBadCalls(t *testing.T) {
	for _, args := range [][]string{{"retention", "--now"}, {"retention", "everything"}} {
		var out, errOut bytes.Buffer
		if code := run(args, env("INTAKE_DATA_DIR", t.TempDir()), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "Usage: intake retention") {
			t.Errorf("%v: exit %d, %q", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"retention"}, env("INTAKE_DATA_DIR", t.TempDir(), "RETENTION_DAYS", "7"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "RETENTION_DAYS") {
		t.Errorf("RETENTION_DAYS=7: exit %d, %q", code, errOut.String())
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
