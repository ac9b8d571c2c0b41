package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestExportCommand(t *testing.T) {
	def := diagnostictest.Shipped(t)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := []string{"INTAKE_DATA_DIR", t.TempDir()}
			if dialect == models.Postgres {
				vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
			}
			cfg, _ := loadConfig(env(vars...))
			ctx := context.Background()
			store, err := models.Open(ctx, cfg.DatabaseURL, cfg.DataDir, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if _, err := store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, c := range []struct {
				name  string
				optIn bool
			}{{"=HYPERLINK(\"x\") Ross", true}, {"Zoë شركة", true}, {"Never Asked", false}} {
				now := time.Date(2026, 4, 1+i, 10, 0, 0, 0, time.UTC)
				l := &models.Lead{Name: c.name, Email: "p" + string(rune('a'+i)) + "@example.com", Company: "+44 Ltd", Role: "-Lead",
					DiagnosticVersion: def.Version, OverallIndex: 50, Band: "managing", CreatedAt: now,
					Consents: []models.Consent{{Purpose: models.PurposeMarketing, Granted: c.optIn, DecidedAt: now, WordingVersion: "v", WordingSHA256: "x", Wording: "w"}}}
				if err := store.SaveLead(ctx, l); err != nil {
					t.Fatal(err)
				}
			}

			intakeExport := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(append([]string{"export"}, args...), env(vars...), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			code, out, errOut := intakeExport("--format", "csv")
			if code != 0 {
				t.Fatalf("export: exit %d\n%s", code, errOut)
			}
			records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(records[0], export.Header(def)) || len(records) != 3 {
				t.Fatalf("CSV = %q", records)
			}
			if r := records[1]; r[2] != `'=HYPERLINK("x")` || r[3] != "Ross" || r[4] != "'+44 Ltd" || r[5] != "'-Lead" || records[2][2] != "Zoë" || records[2][3] != "شركة" {
				t.Errorf("rows = %q", records[1:])
			}
			if !strings.Contains(errOut, "2 contacts who opted in to marketing match") || !strings.Contains(errOut, "wrote 2 contacts as csv") {
				t.Errorf("summary = %q", errOut)
			}

			if code, out, _ := intakeExport("--format", "csv", "--all-contacts", "--excel", "--from", "2026-04-02", "--band", "managing"); code != 0 || !strings.HasPrefix(out, "\uFEFF") || strings.Count(out, "\n") != 3 {
				t.Errorf("everyone from 2 April, for Excel: exit %d\n%q", code, out)
			}
			if code, out, _ := intakeExport("--format", "csv", "--campaign", "' OR 1=1 --"); code != 0 || strings.Count(out, "\n") != 1 {
				t.Errorf("SQL as a campaign: exit %d, want the header only: %q", code, out)
			}

			code, out, errOut = intakeExport("--format", "xlsx", "--status", "new")
			if code != 0 {
				t.Fatalf("xlsx: exit %d\n%s", code, errOut)
			}
			book, err := excelize.OpenReader(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			defer book.Close()
			if rows, err := book.GetRows("Contacts"); err != nil || len(rows) != 3 || rows[1][2] != `'=HYPERLINK("x")` {
				t.Errorf("xlsx rows = %q, %v", rows, err)
			}

			for _, bad := range [][]string{
				{},                                      // no format
				{"--format", "pdf"},                     // unknown format
				{"--format", "csv", "--bogus"},          // unknown flag
				{"--format", "csv", "--band", "best"},   // unknown band
				{"--format", "csv", "--from", "1/4/26"}, // bad date
				{"--format", "xlsx", "--excel"},         // BOM in a workbook
				{"--format", "csv", "extra"},            // stray argument
			} {
				if code, out, errOut := intakeExport(bad...); code != 2 || out != "" || !strings.Contains(errOut, "Usage: intake export") {
					t.Errorf("export %q: exit %d, stdout %q, stderr %q; want 2 and the usage", bad, code, out, errOut)
				}
			}
			if code, out, _ := intakeExport("--help"); code != 0 || !strings.Contains(out, "--all-contacts") {
				t.Errorf("--help: exit %d %q", code, out)
			}

			recent, err := store.RecentExports(ctx, 10)
			if err != nil || len(recent) != 4 {
				t.Fatalf("audit log = %d rows, %v; want the 4 exports that ran", len(recent), err)
			}
			if e := recent[0]; e.Actor != "cli" || e.ActorID != nil || e.RowCount != 2 || e.Filters != `{"format":"xlsx","status":"new"}` {
				t.Errorf("audit row = %+v", e)
			}
		})
	}
}

// TestExportInTheBrowser: someone in marketing signs in, opens the export,
// previews a filter and sees the count, mistypes a date in the address
// and reads why, downloads the CSV and finds it in the log. Every page
// passes axe-core.
func TestExportInTheBrowser(t *testing.T) {
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			base, a := startApp(t, models.SQLite)
			ctx := newBrowser(t)
			const password = "a long and memorable passphrase"
			if _, err := a.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleMarketing, password); err != nil {
				t.Fatal(err)
			}
			submit(t, base, "Fox Mulder", "fox@example.com")
			submit(t, base, "=cmd Skinner", "walter@example.com")
			must(t, "sign in and open the export", chromedp.Do(ctx, vp.apply(),
				chromedp.Navigate(base+"/admin/export"),
				signIn("dana@stellapop.example", password),
				chromedp.WaitVisible(chromedp.ID("export-filters-title")),
			))
			if got := text(t, ctx, ".export-count"); got != "2 contacts match these filters." {
				t.Errorf("count = %q", got)
			}
			checkAccessible(t, ctx, "export page")
			screenshot(t, ctx, "export-page-"+vp.name)

			must(t, "preview a status", chromedp.Do(ctx,
				chromedp.SetValue(chromedp.ID("export-status"), "won"),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Preview"]`)),
				chromedp.WaitVisible(chromedp.Search(`//p[contains(., "No contacts match these filters")]`)),
			))
			if href := eval[string](t, ctx, `document.querySelector(".export-downloads a").getAttribute("href")`); href != "/admin/export.csv?status=won" {
				t.Errorf("CSV link = %q", href)
			}

			must(t, "open a mistyped date", chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/export?from=2026-13-01"),
				chromedp.WaitVisible(chromedp.CSS(".error-summary")),
			))
			if got := text(t, ctx, ".error-summary li"); !strings.Contains(got, "“2026-13-01” is not a date") {
				t.Errorf("error summary = %q", got)
			}
			checkAccessible(t, ctx, "export page with refused filters")

			csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/admin/export.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
			must(t, "download the CSV", err)
			if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "lead_id,email,first_name") || !strings.Contains(csv, "'=cmd") {
				t.Errorf("downloaded CSV:\n%s", csv)
			}
			must(t, "see the log", chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/export"),
				chromedp.WaitVisible(chromedp.CSS(".export-log")),
			))
			if got := text(t, ctx, ".export-log tbody"); !strings.Contains(got, "dana@stellapop.example") || !strings.Contains(got, "CSV · opted-in contacts only") {
				t.Errorf("export log = %q", got)
			}
			checkAccessible(t, ctx, "export page with its log")
			if n := offScreen(t, ctx, ".export-log tbody td"); n != 0 {
				t.Errorf("export log on a %s: %d cells off screen", vp.name, n)
			}
			screenshot(t, ctx, "export-log-"+vp.name)
		})
	}
}
