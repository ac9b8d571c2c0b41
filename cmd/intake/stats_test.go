package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models/modelstest"
)

// TestStatsRebuildCommand: summaries emptied by hand (as after restoring
// leads by SQL) come back from the leads, and the command says what the
// tables now hold.
func TestStatsRebuildCommand(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := seedVars(t, dialect)
			var out, errOut bytes.Buffer
			if code := run([]string{"migrate"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("migrate: exit %d: %s", code, errOut.String())
			}
			store := openSeeded(t, vars)
			agedLead(t, store, "Ada", 2*24*time.Hour)
			agedLead(t, store, "Bea", 24*time.Hour)
			if _, err := store.SQLDB().Exec("DELETE FROM band_stats"); err != nil {
				t.Fatal(err)
			}

			out.Reset()
			if code := run([]string{"stats", "rebuild"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("stats rebuild: exit %d: %s", code, errOut.String())
			}
			if got := out.String(); !strings.HasPrefix(got, "Rebuilt the summary tables from 2 leads in ") ||
				!strings.Contains(got, ": campaign_stats 2 rows, band_stats 2 rows, score_stats ") {
				t.Errorf("stats rebuild printed %q", got)
			}
			bands, err := store.BandOutcomes(context.Background(), "v1", "2000-01-01", "2100-01-01")
			if err != nil {
				t.Fatal(err)
			}
			if len(bands) != 1 || bands[0].Band != "emerging" || bands[0].Leads != 2 {
				t.Errorf("band_stats after the rebuild = %+v, want the 2 leads", bands)
			}

			for _, bad := range [][]string{{"stats"}, {"stats", "rebuld"}, {"stats", "rebuild", "now"}} {
				errOut.Reset()
				if code := run(bad, env(vars...), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "Usage: intake stats rebuild") {
					t.Errorf("intake %v: exit %d, %q", bad, code, errOut.String())
				}
			}
		})
	}
}
