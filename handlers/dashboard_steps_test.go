package handlers_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
)

// seedStepCounts stores known counts of visitors reaching each step of
// version, around the range 2026-11-02 to 2026-11-03.
func seedStepCounts(t *testing.T, s *site, version string) {
	t.Helper()
	step := models.DiagnosticStepMetric
	err := s.store.AddDailyCounts(t.Context(), []models.DailyCount{
		{Day: "2026-11-01", Metric: models.MetricDiagnosticStarts, Count: 1000}, // before the range
		{Day: "2026-11-01", Metric: step(version, 1), Count: 1000},
		{Day: "2026-11-02", Metric: models.MetricDiagnosticStarts, Count: 150},
		{Day: "2026-11-02", Metric: step(version, 1), Count: 100},
		{Day: "2026-11-02", Metric: step(version, 2), Count: 60},
		{Day: "2026-11-02", Metric: step(version, 3), Count: 40},
		{Day: "2026-11-03", Metric: models.MetricDiagnosticStarts, Count: 50},
		{Day: "2026-11-03", Metric: step(version, 1), Count: 60},
		{Day: "2026-11-03", Metric: step(version, 2), Count: 40},
		{Day: "2026-11-03", Metric: step(version, 3), Count: 20},
		{Day: "2026-11-03", Metric: step(version, 4), Count: 30},
		{Day: "2026-11-03", Metric: step(version, 5), Count: 25},
		{Day: "2026-11-03", Metric: models.MetricDiagnosticsCompleted, Count: 24},
		{Day: "2026-11-03", Metric: models.MetricLeads, Count: 20},
		{Day: "2026-11-03", Metric: step("2025-01-1", 1), Count: 7}, // an older version
		{Day: "2026-11-04", Metric: step(version, 5), Count: 1000},  // after the range
	})
	if err != nil {
		t.Fatal(err)
	}
}

var stepRow = regexp.MustCompile(`(?s)<tr>\s*<th scope="row" data-label="Step">([^<]*)</th>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>`)

// stepTable reads the section's table as "label | reached | of starts | lost" lines.
func stepTable(body string) []string {
	var rows []string
	for _, m := range stepRow.FindAllStringSubmatch(body, -1) {
		rows = append(rows, html.UnescapeString(strings.Join(m[1:], " | ")))
	}
	return rows
}

func TestDashboardShowsWhereVisitorsStop(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		v := s.def.Version
		seedStepCounts(t, s, v)
		s.signIn(models.RoleConsultant)
		r := s.get("/admin?from=2026-11-02&to=2026-11-03&version=" + v)
		if r.status != http.StatusOK {
			t.Fatalf("GET /admin = %d", r.status)
		}
		want := []string{
			"Opened the diagnostic | 200 | 100.0% | –",
			"Step 1: questions 1–3 | 160 | 80.0% | 40 (20.0%)",
			"Step 2: questions 4–6 | 100 | 50.0% | 60 (37.5%)",
			"Step 3: questions 7–9 | 60 | 30.0% | 40 (40.0%)",
			"Step 4: questions 10–12 | 30 | 15.0% | 30 (50.0%)",
			"Step 5: contact details | 25 | 12.5% | 5 (16.7%)",
			"Sent every answer | 24 | 12.0% | 1 (4.0%)",
			"Became a lead | 20 | 10.0% | 4 (16.7%)",
		}
		if got := stepTable(r.body); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("step table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, want := range []string{
			"From 2 November 2026 to 3 November 2026, UTC, version " + v,
			"Step 2: questions 4–6 — 50.0% of those who opened it: 100", // the chart's text alternative
			`value="2026-11-02"`, `value="2026-11-03"`,
			`<option value="` + v + `" selected>` + v + ` (current)</option>`,
			`<option value="2025-01-1">2025-01-1</option>`,
		} {
			if !strings.Contains(html.UnescapeString(r.body), html.UnescapeString(want)) && !strings.Contains(r.body, want) {
				t.Errorf("the section lacks %q", want)
			}
		}

		// An older version: its own steps, the shared starts and finishes.
		old := stepTable(s.get("/admin?from=2026-11-03&to=2026-11-03&version=2025-01-1").body)
		wantOld := []string{
			"Opened the diagnostic | 50 | 100.0% | –",
			"Step 1 | 7 | 14.0% | 43 (86.0%)",
			"Sent every answer | 24 | 48.0% | none",
			"Became a lead | 20 | 40.0% | 4 (16.7%)",
		}
		if strings.Join(old, "\n") != strings.Join(wantOld, "\n") {
			t.Errorf("older version's table:\n%s\nwant:\n%s", strings.Join(old, "\n"), strings.Join(wantOld, "\n"))
		}
	})
}

func TestDashboardSaysWhichDaysItCannotShow(t *testing.T) {
	s := newSite(t, models.SQLite)
	s.signIn(models.RoleMarketing)
	for query, says := range map[string]string{
		"from=2026-13-01&to=2026-11-03": "From “2026-13-01” is not a date",
		"from=yesterday":                "From “yesterday” is not a date",
		"to=<b>soon</b>":                "To “&lt;b&gt;soon&lt;/b&gt;” is not a date",
		"from=2026-11-04&to=2026-11-03": "The first day, 4 November 2026, is after the last, 3 November 2026.",
	} {
		r := s.get("/admin?" + strings.ReplaceAll(query, "<", "%3C"))
		if r.status != http.StatusOK {
			t.Errorf("%s: %d, want the dashboard with a message", query, r.status)
			continue
		}
		for _, want := range []string{says, "Showing the last 30 days instead.", "These days can’t be shown"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: the page lacks %q", query, want)
			}
		}
	}
	// A range with nothing counted says so.
	r := s.get("/admin?from=2020-01-01&to=2020-01-31")
	if !strings.Contains(r.body, "No steps were counted for this version in these days.") || strings.Contains(r.body, "These days can’t be shown") {
		t.Errorf("an empty range is not said plainly")
	}
}

func TestDashboardStepRangeFromTheAddress(t *testing.T) {
	s := newSite(t, models.SQLite)
	s.signIn(models.RoleConsultant)
	today := time.Now().UTC()
	day := func(t time.Time) string { return t.Format("2 January 2006") }
	for query, want := range map[string]string{
		"":                              day(today.AddDate(0, 0, -29)) + " to " + day(today),
		"from=2026-11-02":               "2 November 2026 to 1 December 2026",
		"to=2026-11-30":                 "1 November 2026 to 30 November 2026",
		"from=2026-11-02&to=2026-11-02": "2 November 2026 to 2 November 2026",
		"from=2025-01-01&to=2026-12-31": "1 January 2025 to 31 December 2026",
	} {
		r := s.get("/admin?" + query)
		if !strings.Contains(r.body, "From "+want+", UTC, version "+s.def.Version+".") {
			t.Errorf("?%s: the section does not say it shows %s", query, want)
		}
	}
}
