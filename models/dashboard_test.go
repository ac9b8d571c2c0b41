package models_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWorkingCutoff(t *testing.T) {
	friday := at("2026-03-13 10:00")
	cases := []struct {
		now     string
		waiting bool // has the Friday lead waited more than two working days?
	}{
		{"2026-03-14 12:00", false}, // Saturday
		{"2026-03-16 09:00", false}, // Monday morning: 14 + 9 working hours
		{"2026-03-17 09:00", false}, // Tuesday morning: 47 hours
		{"2026-03-17 10:01", true},  // just past 48 hours
		{"2026-03-17 18:00", true},  // Tuesday evening
	}
	for _, tc := range cases {
		cutoff := models.WorkingCutoff(at(tc.now), 2)
		if got := friday.Before(cutoff); got != tc.waiting {
			t.Errorf("now %s: cutoff %s, Friday lead waiting = %v, want %v", tc.now, cutoff, got, tc.waiting)
		}
	}
	if got := models.WorkingCutoff(at("2026-03-18 15:00"), 2); !got.Equal(at("2026-03-16 15:00")) {
		t.Errorf("midweek cutoff = %s, want Monday 15:00", got)
	}
	if got := models.WorkingCutoff(at("2026-03-16 00:00"), 1); !got.Equal(at("2026-03-13 00:00")) {
		t.Errorf("cutoff from Monday midnight = %s, want Friday midnight", got)
	}
}

func TestWorkingDays(t *testing.T) {
	cases := []struct {
		from, to string
		want     int
	}{
		{"2026-03-13 10:00", "2026-03-16 09:00", 0},
		{"2026-03-13 10:00", "2026-03-17 18:00", 2},
		{"2026-03-02 09:00", "2026-03-17 18:00", 11},
		{"2026-03-14 09:00", "2026-03-15 18:00", 0}, // a weekend
	}
	for _, tc := range cases {
		if got := models.WorkingDays(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("WorkingDays(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// dashboardLead is one lead of the dashboard's fixture.
type dashboardLead struct {
	name, created, status, touched, band, source string
	history                                      []models.Activity
}

func seedDashboard(t *testing.T, store *models.Store) map[string]int64 {
	t.Helper()
	won := func(when string) []models.Activity {
		return []models.Activity{{Kind: models.ActivityStatusChanged, Detail: "proposal → won", CreatedAt: at(when)}}
	}
	leads := []dashboardLead{
		{"Fri Lead", "2026-03-13 10:00", "new", "", "leading", "linkedin", nil},
		{"Old Lead", "2026-03-02 09:00", "new", "", "managing", "", nil},
		{"Touched Lead", "2026-03-02 10:00", "new", "2026-03-03 09:00", "managing", "linkedin", nil},
		{"Contacted Lead", "2026-03-10 11:00", "contacted", "2026-03-10 12:00", "emerging", "google", nil},
		{"Won Lately", "2026-02-10 09:00", "won", "2026-02-10 10:00", "leading", "linkedin", won("2026-03-12 16:00")},
		{"Won Long Ago", "2026-01-05 09:00", "won", "2026-01-05 10:00", "not-leading", "newsletter", won("2026-01-20 16:00")},
		{"Won Then Lost", "2026-02-01 09:00", "lost", "2026-02-01 10:00", "not-leading", "", append(won("2026-03-05 10:00"),
			models.Activity{Kind: models.ActivityStatusChanged, Detail: "won → lost", CreatedAt: at("2026-03-06 10:00")})},
		{"Monday Lead", "2026-03-16 08:00", "new", "", "leading", "", nil},
		{"Last Month", "2026-02-27 15:00", "new", "2026-02-27 16:00", "not-leading", "google", nil},
	}
	for i := 1; i <= 8; i++ {
		leads = append(leads, dashboardLead{fmt.Sprintf("Source %d", i), "2026-01-10 09:00", "lost", "2026-01-10 10:00", "emerging", fmt.Sprintf("src-%d", i), nil})
	}
	// Older than the dashboard's window: in no band, source or list.
	leads = append(leads, dashboardLead{"Ancient Lead", "2025-12-15 23:00", "new", "", "leading", "ancient", nil})
	var batch []models.LeadWithHistory
	for _, l := range leads {
		lead := &models.Lead{Name: l.name, Email: "x@example.com", Company: l.name + " Ltd", Role: "Lead",
			DiagnosticVersion: "test", OverallIndex: 50, Band: l.band, Status: l.status,
			Source: models.Source{UTMSource: l.source}, CreatedAt: at(l.created)}
		if l.touched != "" {
			touched := at(l.touched)
			lead.TouchedAt = &touched
		}
		batch = append(batch, models.LeadWithHistory{Lead: lead, History: l.history})
	}
	if err := store.InsertLeadsBatch(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	err := store.AddDailyCounts(t.Context(), []models.DailyCount{
		{Day: "2026-02-14", Metric: models.MetricArticleViews, Count: 100}, // a day too early
		{Day: "2026-02-15", Metric: models.MetricArticleViews, Count: 10},
		{Day: "2026-03-16", Metric: models.MetricArticleViews, Count: 5},
		{Day: "2026-03-16", Metric: models.MetricDiagnosticStarts, Count: 2},
		{Day: "2026-03-16", Metric: models.MetricDiagnosticsCompleted, Count: 1},
		{Day: "2026-03-16", Metric: models.MetricLeads, Count: 1},
		{Day: "2026-03-17", Metric: models.MetricArticleViews, Count: 7}, // after Monday
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, b := range batch {
		ids[b.Lead.Name] = b.Lead.ID
	}
	return ids
}

func TestLoadDashboard(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ids := seedDashboard(t, store)

			monday, err := store.LoadDashboard(t.Context(), at("2026-03-16 09:00"))
			if err != nil {
				t.Fatal(err)
			}
			if !monday.WeekStart.Equal(at("2026-03-16 00:00")) || !monday.MonthStart.Equal(at("2026-03-01 00:00")) ||
				!monday.WindowStart.Equal(at("2025-12-16 00:00")) {
				t.Errorf("week from %s, month from %s, window from %s", monday.WeekStart, monday.MonthStart, monday.WindowStart)
			}
			if monday.LeadsThisWeek != 1 || monday.LeadsThisMonth != 5 {
				t.Errorf("this week %d, this month %d; want 1 and 5", monday.LeadsThisWeek, monday.LeadsThisMonth)
			}
			if got := waitingNames(monday); got != "Old Lead" || monday.WaitingTotal != 1 {
				t.Errorf("Monday morning waiting: %q (total %d); want only Old Lead: Friday's lead has had 23 working hours", got, monday.WaitingTotal)
			}
			if monday.Waiting[0].ID != ids["Old Lead"] || monday.Waiting[0].Company != "Old Lead Ltd" {
				t.Errorf("waiting lead = %+v", monday.Waiting[0])
			}

			bands := map[string]int64{}
			for _, b := range monday.Bands {
				bands[b.Value] = b.Count
			}
			if fmt.Sprint(bands) != "map[emerging:9 leading:3 managing:2 not-leading:3]" || monday.WindowLeads != 17 {
				t.Errorf("bands %v, total %d", bands, monday.WindowLeads)
			}
			if got := fmt.Sprint(monday.Sources); got != "[{ 3} {linkedin 3} {google 2} {newsletter 1} {src-1 1} {src-2 1} {src-3 1} {src-4 1}]" {
				t.Errorf("sources %s", got)
			}
			if monday.OtherSources != 4 {
				t.Errorf("other sources %d, want 4", monday.OtherSources)
			}
			f := monday.Funnel
			if f.First != "2026-02-15" || f.Last != "2026-03-16" {
				t.Errorf("funnel from %s to %s", f.First, f.Last)
			}
			if f.ArticleViews != 15 || f.DiagnosticStarts != 2 || f.DiagnosticsCompleted != 1 || f.Leads != 1 || f.Won != 1 {
				t.Errorf("funnel %+v; want 15 views, 2 starts, 1 completed, 1 lead, 1 won", f)
			}

			tuesday, err := store.LoadDashboard(t.Context(), at("2026-03-17 18:00"))
			if err != nil {
				t.Fatal(err)
			}
			if got := waitingNames(tuesday); got != "Old Lead, Fri Lead" || tuesday.WaitingTotal != 2 {
				t.Errorf("Tuesday evening waiting: %q (total %d); want Old Lead, Fri Lead", got, tuesday.WaitingTotal)
			}
			if tuesday.Funnel.ArticleViews != 12 {
				t.Errorf("Tuesday's funnel views = %d, want 12 (the window moved on a day)", tuesday.Funnel.ArticleViews)
			}
		})
	}
}

func waitingNames(d *models.Dashboard) string {
	s := ""
	for i, w := range d.Waiting {
		if i > 0 {
			s += ", "
		}
		s += w.Name
	}
	return s
}
