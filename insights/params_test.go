package insights_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/insights"
)

func TestParseParams(t *testing.T) {
	today := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	versions := []string{"2026-05-1", "2026-11-1"}
	cases := []struct {
		query, from, to, version string
		allowAll                 bool
		problem                  string // part of the one problem expected; "" for none
	}{
		{"", "2026-09-05", "2026-12-03", "2026-11-1", false, ""},
		{"", "2026-09-05", "2026-12-03", "", true, ""},
		{"from=2026-11-01&to=2026-11-30", "2026-11-01", "2026-11-30", "2026-11-1", false, ""},
		{"to=2026-06-30", "2026-04-02", "2026-06-30", "2026-11-1", false, ""},
		{"version=2026-05-1", "2026-09-05", "2026-12-03", "2026-05-1", false, ""},
		{"version=", "2026-09-05", "2026-12-03", "", true, ""},
		{"version=", "2026-09-05", "2026-12-03", "2026-11-1", false, ""},
		{"version=v9", "2026-09-05", "2026-12-03", "", true, "so the report shows every version"},
		{"from=03/11/2026", "2026-09-05", "2026-12-03", "2026-11-1", false, "The from date “03/11/2026” is not a date"},
		{"to=tomorrow", "2026-09-05", "2026-12-03", "2026-11-1", false, "The to date “tomorrow” is not a date"},
		{"from=2026-12-01&to=2026-11-01", "2026-08-04", "2026-11-01", "2026-11-1", false, "The to date is before the from date"},
		{"from=2020-01-01&to=2026-12-03", "2025-12-03", "2026-12-03", "2026-11-1", false, "at most 366 days, so it starts on 2025-12-03"},
	}
	for _, tc := range cases {
		q, _ := url.ParseQuery(tc.query)
		p, problems := insights.ParseParams(q, today, versions, map[bool]string{true: "", false: "2026-11-1"}[tc.allowAll], tc.allowAll)
		if p.From != tc.from || p.To != tc.to || p.Version != tc.version {
			t.Errorf("%q: %+v, want %s to %s, version %q", tc.query, p, tc.from, tc.to, tc.version)
		}
		switch {
		case tc.problem == "" && len(problems) > 0:
			t.Errorf("%q: unexpected problems %q", tc.query, problems)
		case tc.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0], tc.problem)):
			t.Errorf("%q: problems %q, want one saying %q", tc.query, problems, tc.problem)
		}
	}
}

func TestCampaignSort(t *testing.T) {
	cases := []struct {
		sort, dir, column string
		desc, problem     bool
	}{
		{"", "", "leads", true, false},
		{"source", "", "source", false, false},
		{"won", "asc", "won", false, false},
		{"campaign", "desc", "campaign", true, false},
		{"email", "", "leads", true, true},
		{"leads", "up", "leads", true, true},
	}
	for _, tc := range cases {
		column, desc, problems := insights.CampaignSort(tc.sort, tc.dir)
		if column != tc.column || desc != tc.desc || (len(problems) > 0) != tc.problem {
			t.Errorf("sort %q dir %q: %s desc=%v problems %q", tc.sort, tc.dir, column, desc, problems)
		}
	}
}

func TestRateAndFewLeads(t *testing.T) {
	for _, tc := range []struct {
		part, whole int64
		want        string
	}{{0, 0, "–"}, {1, 3, "33.3%"}, {2, 2, "100.0%"}, {0, 7, "0.0%"}} {
		if got := insights.Rate(tc.part, tc.whole); got != tc.want {
			t.Errorf("Rate(%d, %d) = %q, want %q", tc.part, tc.whole, got, tc.want)
		}
	}
	if !(insights.Outcome{Leads: 19}).Few() || (insights.Outcome{Leads: 20}).Few() {
		t.Error("a rate on 19 leads is too few, on 20 it is not")
	}
}
