package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// seedVars are the settings of a fresh database of the dialect.
func seedVars(t *testing.T, dialect string) []string {
	vars := []string{"INTAKE_DATA_DIR", t.TempDir()}
	if dialect == models.Postgres {
		vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
	}
	return vars
}

// openSeeded opens the database the settings name, as the command did.
func openSeeded(t *testing.T, vars []string) *models.Store {
	t.Helper()
	cfg, err := loadConfig(env(vars...))
	if err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(context.Background(), cfg.DatabaseURL, cfg.DataDir, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func count(t *testing.T, store *models.Store, query string) int {
	t.Helper()
	var n int
	if err := store.SQLDB().QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSeedCommand(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := seedVars(t, dialect)
			var out, errOut bytes.Buffer
			// migrate first, so the job queue's tables exist to be checked.
			if code := run([]string{"migrate"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("migrate: exit %d: %s", code, errOut.String())
			}
			errOut.Reset()
			if code := run([]string{"seed", "--leads", "50"}, env(vars...), &out, &errOut); code != 0 {
				t.Fatalf("seed: exit %d: %s", code, errOut.String())
			}
			for _, want := range []string{"seed: 10% (5 of 50 leads)", "seed: 50% (25 of 50 leads)", "seed: 100% (50 of 50 leads)"} {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("progress lacks %q:\n%s", want, errOut.String())
				}
			}
			if !strings.Contains(out.String(), "Added 50 made-up leads") {
				t.Errorf("stdout = %q", out.String())
			}

			store := openSeeded(t, vars)
			checks := []struct {
				what, query string
				ok          func(int) bool
			}{
				{"leads", "SELECT count(*) FROM leads", func(n int) bool { return n == 50 }},
				{"bands", "SELECT count(DISTINCT band) FROM leads", func(n int) bool { return n >= 3 }},
				{"statuses", "SELECT count(DISTINCT status) FROM leads", func(n int) bool { return n >= 3 }},
				{"sources", "SELECT count(DISTINCT utm_source) FROM leads", func(n int) bool { return n >= 4 }},
				{"leads with 12 answers", "SELECT count(*) FROM (SELECT lead_id FROM lead_answers GROUP BY lead_id HAVING count(*) = 12) a", func(n int) bool { return n == 50 }},
				{"leads with scores", "SELECT count(DISTINCT lead_id) FROM lead_scores", func(n int) bool { return n == 50 }},
				{"consents given to the summary", "SELECT count(*) FROM lead_consents WHERE purpose = 'summary' AND granted", func(n int) bool { return n == 50 }},
				{"marketing opt-ins", "SELECT count(*) FROM leads WHERE marketing_opt_in", func(n int) bool { return n > 5 && n < 30 }},
				{"emails not marked sent", "SELECT count(*) FROM lead_emails WHERE sent_at IS NULL", func(n int) bool { return n == 0 }},
				{"email states", "SELECT count(*) FROM lead_emails", func(n int) bool { return n == 100 }},
				{"email jobs", "SELECT count(*) FROM river_job", func(n int) bool { return n == 0 }},
				{"created entries", "SELECT count(*) FROM lead_activity WHERE kind = 'created'", func(n int) bool { return n == 50 }},
				{"funnel days", "SELECT count(DISTINCT day) FROM daily_counts", func(n int) bool { return n >= 365 }},
			}
			for _, c := range checks {
				if n := count(t, store, c.query); !c.ok(n) {
					t.Errorf("%s: %d", c.what, n)
				}
			}
			var leads int
			if err := store.SQLDB().QueryRow("SELECT SUM(count) FROM daily_counts WHERE metric = 'leads'").Scan(&leads); err != nil || leads != 50 {
				t.Errorf("funnel leads = %d (%v), want 50", leads, err)
			}
			var email, wording string
			err := store.SQLDB().QueryRow(`SELECT l.email, c.wording FROM leads l JOIN lead_consents c ON c.lead_id = l.id
				WHERE c.purpose = 'summary' ORDER BY l.id LIMIT 1`).Scan(&email, &wording)
			if err != nil || !strings.HasSuffix(email, ".example") || !strings.HasPrefix(wording, "Store my answers") {
				t.Errorf("first lead: %q with wording %q (%v)", email, wording, err)
			}
		})
	}
}

func TestSeedIsReproducible(t *testing.T) {
	people := func(seed string) string {
		vars := seedVars(t, models.SQLite)
		var out, errOut bytes.Buffer
		if code := run([]string{"seed", "--leads", "20", "--seed", seed}, env(vars...), &out, &errOut); code != 0 {
			t.Fatalf("seed: exit %d: %s", code, errOut.String())
		}
		rows, err := openSeeded(t, vars).SQLDB().Query("SELECT name, email, company, band, status, utm_source FROM leads ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var f [6]string
			if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5]); err != nil {
				t.Fatal(err)
			}
			b.WriteString(strings.Join(f[:], "|") + "\n")
		}
		return b.String()
	}
	first, again, other := people("7"), people("7"), people("8")
	if first != again {
		t.Errorf("the same seed made different leads:\n%s\n%s", first, again)
	}
	if first == other {
		t.Error("different seeds made the same leads")
	}
}

func TestSeedRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "--leads must be"},
		{[]string{"--leads"}, "flag needs an argument"},
		{[]string{"--leads", "many"}, "invalid value"},
		{[]string{"--leads", "0"}, "--leads must be"},
		{[]string{"--leads", "-3"}, "--leads must be"},
		{[]string{"--leads", "99999999"}, "--leads must be"},
		{[]string{"--leads", "5", "extra"}, `unexpected argument "extra"`},
		{[]string{"--leads", "5", "--seed", "0"}, "--seed must be 1 or more"},
		{[]string{"--lead", "5"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := run(append([]string{"seed"}, tc.args...), env("INTAKE_DATA_DIR", t.TempDir()), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) || !strings.Contains(errOut.String(), "Usage: intake seed --leads N") {
			t.Errorf("seed %v: exit %d, stderr %q; want 2 and a message with %q and the usage", tc.args, code, errOut.String(), tc.want)
		}
	}
}
