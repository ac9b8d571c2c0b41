package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// reportLead is a lead of the reports' fixture: its source, band, status
// path, answers to the first two questions and develops score.
type reportLead struct {
	source, campaign, band string
	path                   []string // statuses after new, in order
	q1, q2                 int      // option values
	develops               int
	daysAgo                int
}

// seedReportLeads stores leads with known sources, statuses and answers.
func seedReportLeads(t *testing.T, s *site, leads []reportLead) {
	t.Helper()
	now := time.Now().UTC()
	var batch []models.LeadWithHistory
	for i, rl := range leads {
		created := now.AddDate(0, 0, -rl.daysAgo).Add(-time.Minute)
		l := &models.Lead{Name: "Report Lead", Email: "r" + itoa(int64(i)) + "@example.com", Company: "Acme", Role: "Lead",
			DiagnosticVersion: s.def.Version, OverallIndex: 50, Band: rl.band, CreatedAt: created,
			Source: models.Source{UTMSource: rl.source, UTMCampaign: rl.campaign}}
		for j, v := range []int{rl.q1, rl.q2} {
			q := s.def.Questions[j]
			o, _ := q.Option(v)
			l.Answers = append(l.Answers, models.Answer{QuestionID: q.ID, Position: j + 1, Dimension: q.Dimension,
				QuestionText: q.Text, Value: v, Label: o.Label, Points: o.Points})
		}
		l.Scores = []models.Score{{Dimension: "develops", Position: 1, Score: rl.develops}}
		var history []models.Activity
		from := models.StatusNew
		for _, to := range rl.path {
			history = append(history, models.Activity{Kind: models.ActivityStatusChanged, Detail: from + " → " + to, CreatedAt: created.Add(time.Hour)})
			from = to
		}
		l.Status = from
		batch = append(batch, models.LeadWithHistory{Lead: l, History: history})
	}
	if err := s.store.InsertLeadsBatch(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
}

var won = []string{"contacted", "qualified", "proposal", "won"}

// reportFixture: linkedin/spring brings three leads in range (one won,
// one lost after a proposal, one new) and one too old to count;
// newsletter without a campaign one qualified lead; a campaign named like
// a formula one new lead.
var reportFixture = []reportLead{
	{"linkedin", "spring", "leading", won, 5, 4, 85, 1},
	{"linkedin", "spring", "leading", []string{"contacted", "qualified", "proposal", "lost"}, 5, 2, 90, 2},
	{"linkedin", "spring", "managing", nil, 2, 2, 45, 3},
	{"linkedin", "spring", "managing", won, 1, 1, 30, 200},
	{"newsletter", "", "emerging", []string{"contacted", "qualified"}, 4, 3, 65, 5},
	{"ads", "=HYPERLINK(\"http://x.example\")", "not-leading", nil, 1, 5, 10, 5},
}

func TestCampaignReportFromKnownLeadsAndStarts(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, funnel := newCountingSite(t, dialect)
			// Four visitors open the diagnostic from campaign links.
			for range 3 {
				s.get("/diagnostic?utm_source=linkedin&utm_campaign=spring")
			}
			s.get("/diagnostic?utm_source=newsletter")
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			seedReportLeads(t, s, reportFixture)
			s.signIn(models.RoleMarketing)

			r := s.get("/admin/insights/campaigns")
			if r.status != http.StatusOK {
				t.Fatalf("GET campaigns = %d:\n%s", r.status, r.body)
			}
			// linkedin/spring: 3 starts, 3 leads, 2 qualified, 2 proposals, 1 won.
			for _, want := range []string{
				`<td data-label="Source">linkedin</td>
        <td data-label="Campaign">spring</td>
        <td class="num" data-label="Diagnostic starts">3</td>
        <td class="num" data-label="Leads">3</td>
        <td class="num" data-label="Qualified">2</td>
        <td class="num" data-label="Proposals">2</td>
        <td class="num" data-label="Won">1</td>
        <td class="num" data-label="Start → lead">100.0%</td>
        <td class="num" data-label="Lead → qualified">66.7%</td>
        <td class="num" data-label="Qualified → proposal">100.0%</td>
        <td class="num" data-label="Proposal → won">50.0%</td>`,
				`<td data-label="Source">newsletter</td>
        <td data-label="Campaign">(none)</td>
        <td class="num" data-label="Diagnostic starts">1</td>
        <td class="num" data-label="Leads">1</td>
        <td class="num" data-label="Qualified">1</td>
        <td class="num" data-label="Proposals">0</td>`,
				`aria-sort="descending"`, `<desc id="chart-campaigns-desc">linkedin / spring — 33.3% of them won: 3;`,
				`aria-current="page">Insights`, `aria-current="page">Campaign results`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("campaign report lacks %q", want)
				}
			}

			csv := s.get("/admin/insights/campaigns.csv?sort=source&dir=asc")
			if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(csv.header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("CSV = %d %v", csv.status, csv.header)
			}
			from := time.Now().UTC().AddDate(0, 0, -89).Format(time.DateOnly)
			to := time.Now().UTC().Format(time.DateOnly)
			wantCSV := "from,to,diagnostic_version,utm_source,utm_campaign,diagnostic_starts,leads,qualified,proposals,won,start_to_lead,lead_to_qualified,qualified_to_proposal,proposal_to_won\n" +
				from + "," + to + ",all,ads,\"'=HYPERLINK(\"\"http://x.example\"\")\",0,1,0,0,0,–,0.0%,–,–\n" +
				from + "," + to + ",all,linkedin,spring,3,3,2,2,1,100.0%,66.7%,100.0%,50.0%\n" +
				from + "," + to + ",all,newsletter,,1,1,1,0,0,100.0%,100.0%,0.0%,–\n"
			if csv.body != wantCSV {
				t.Errorf("CSV:\n%s\nwant:\n%s", csv.body, wantCSV)
			}

			// Over 250 days the old linkedin lead counts too.
			r = s.get("/admin/insights/campaigns.csv?from=" + time.Now().UTC().AddDate(0, 0, -250).Format(time.DateOnly) + "&sort=leads")
			if !strings.Contains(r.body, ",linkedin,spring,3,4,3,3,2,") {
				t.Errorf("250 days: %s", r.body)
			}
		})
	}
}

func TestAnswerPatternsFromKnownAnswers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		seedReportLeads(t, s, reportFixture)
		s.signIn(models.RoleAdmin)
		r := s.get("/admin/insights/answers")
		if r.status != http.StatusOK {
			t.Fatalf("GET answers = %d:\n%s", r.status, r.body)
		}
		// q1 in the last 90 days: Always (5) twice, Often (4), Rarely (2)
		// and Never (1) once each; the lead of 200 days ago is left out.
		for _, want := range []string{
			`<desc id="chart-q1-desc">Never — 20.0% of answers: 1; Rarely — 20.0% of answers: 1; Sometimes — 0.0% of answers: 0; Often — 20.0% of answers: 1; Always — 40.0% of answers: 2.</desc>`,
			`<tr><td>Always</td><td class="num">2</td><td class="num">40.0%</td></tr>`,
			`<th scope="row">All answers</th><td class="num">5</td>`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("answer patterns lack %q", want)
			}
		}
		csv := s.get("/admin/insights/answers.csv")
		v := s.def.Version
		from := time.Now().UTC().AddDate(0, 0, -89).Format(time.DateOnly)
		to := time.Now().UTC().Format(time.DateOnly)
		for _, want := range []string{
			"from,to,diagnostic_version,question_id,question,option_value,option,answers,share\n",
			from + "," + to + "," + v + ",q1,\"My manager gives me feedback that helps me improve, not just a verdict on what went wrong.\",5,Always,2,40.0%\n",
			from + "," + to + "," + v + ",q2,",
		} {
			if !strings.Contains(csv.body, want) {
				t.Errorf("answers CSV lacks %q:\n%s", want, csv.body)
			}
		}
	})
}

func TestOutcomesFromKnownStatuses(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		seedReportLeads(t, s, reportFixture)
		s.signIn(models.RoleMarketing)
		r := s.get("/admin/insights/outcomes")
		if r.status != http.StatusOK {
			t.Fatalf("GET outcomes = %d:\n%s", r.status, r.body)
		}
		for _, want := range []string{
			// In range: leading 1 won 1 lost of 2; managing 0 of 1.
			`<td class="insights-group" data-label="Band">A leader who manages well <span class="badge">too few leads</span></td>
      <td class="num" data-label="Leads (n)">n = 2</td>
      <td class="num" data-label="Won">1</td>
      <td class="num" data-label="Won rate">50.0%</td>
      <td class="num" data-label="Lost">1</td>
      <td class="num" data-label="Lost rate">50.0%</td>`,
			`Share of leads won, by band. A leader who manages well: 50.0% of 2 leads, too few to mean much;`,
			// Scores cover every date: develops 80–100 has two leads (85
			// won, 90 lost), 0–39 two (30 won long ago, 10 new).
			`<td class="insights-group" data-label="Score">80–100 <span class="badge">too few leads</span></td>
      <td class="num" data-label="Leads (n)">n = 2</td>`,
			`Score 0–39: 50.0% of 2 leads, too few to mean much`,
			`A rate on fewer than 20 leads is marked`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("outcomes lack %q", want)
			}
		}
		csv := s.get("/admin/insights/outcomes.csv")
		if !strings.Contains(csv.body, s.def.Version+",band,A leader who manages well,2,1,1,50.0%,50.0%,yes,") ||
			!strings.Contains(csv.body, s.def.Version+",score_develops,80–100,2,1,1,50.0%,50.0%,yes,,\n") {
			t.Errorf("outcomes CSV:\n%s", csv.body)
		}
	})
}

// TestReportsExplainBadParameters: a value the report cannot use is set
// aside with a message, and the report shows with its default.
func TestReportsExplainBadParameters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.signIn(models.RoleAdmin)
		cases := []struct{ path, want string }{
			{"/admin/insights/campaigns?from=yesterday", "The from date “yesterday” is not a date in the form YYYY-MM-DD"},
			{"/admin/insights/campaigns?from=2026-05-01&to=2026-04-01", "The to date is before the from date"},
			{"/admin/insights/answers?from=2000-01-01&to=2026-01-01", "A report covers at most 366 days"},
			{"/admin/insights/outcomes?version=%3Cscript%3E", "No leads were saved with diagnostic version “&lt;script&gt;”"},
			{"/admin/insights/campaigns?sort=password", "can’t be sorted by that column"},
			{"/admin/insights/campaigns?dir=sideways", "The sort direction must be asc or desc."},
		}
		for _, tc := range cases {
			r := s.get(tc.path)
			if r.status != http.StatusOK || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `role="alert"`) {
				t.Errorf("GET %s = %d, want 200 saying %q", tc.path, r.status, tc.want)
			}
		}
		if r := s.get("/admin/insights/campaigns.csv?from=nonsense"); r.status != http.StatusOK || !strings.HasPrefix(r.body, "from,to,") {
			t.Errorf("CSV with a bad date = %d %q", r.status, r.body)
		}
	})
}

// TestReportsAreForMarketingAndAdmins: consultants keep the dashboard.
func TestReportsAreForMarketingAndAdmins(t *testing.T) {
	s := newSite(t, models.SQLite)
	want := map[string]int{models.RoleMarketing: http.StatusOK, models.RoleAdmin: http.StatusOK, models.RoleConsultant: http.StatusForbidden}
	for _, role := range []string{models.RoleMarketing, models.RoleAdmin, models.RoleConsultant} {
		s.signOut()
		s.signIn(role)
		for _, path := range []string{"/admin/insights/campaigns", "/admin/insights/answers", "/admin/insights/outcomes", "/admin/insights/outcomes.csv"} {
			if r := s.get(path); r.status != want[role] {
				t.Errorf("%s GET %s = %d, want %d", role, path, r.status, want[role])
			}
		}
		nav := strings.Contains(s.get("/admin").body, `href="/admin/insights"`)
		if nav != (role != models.RoleConsultant) {
			t.Errorf("%s sees the Insights entry: %v", role, nav)
		}
	}
}
