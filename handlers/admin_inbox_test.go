package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
)

// inboxLead saves a lead received at, in the given company and campaign.
func (s *site) inboxLead(name, company, campaign string, at time.Time) *models.Lead {
	s.t.Helper()
	l := &models.Lead{
		Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com",
		Company: company, Role: "Director", DiagnosticVersion: "v1", OverallIndex: 85, Band: "leading",
		Source: models.Source{UTMCampaign: campaign}, CreatedAt: at.UTC(),
	}
	if err := s.store.SaveLead(s.t.Context(), l); err != nil {
		s.t.Fatal(err)
	}
	return l
}

func leadLink(l *models.Lead) string { return fmt.Sprintf(`href="/admin/leads/%d"`, l.ID) }

func TestLeadInboxListsNewestFirst(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		now := time.Now().UTC()
		old := s.inboxLead("Oscar Old", "Globex", "", now.Add(-48*time.Hour))
		mid := s.inboxLead("Mia Middle", "Acme Corp", "spring", now.Add(-24*time.Hour))
		fresh := s.inboxLead("Nina New", "Initech", "", now.Add(-time.Hour))
		s.signIn(models.RoleConsultant)

		r := s.get("/admin/leads")
		if r.status != http.StatusOK {
			t.Fatalf("GET /admin/leads = %d:\n%s", r.status, r.body)
		}
		iNew, iMid, iOld := strings.Index(r.body, "Nina New"), strings.Index(r.body, "Mia Middle"), strings.Index(r.body, "Oscar Old")
		if iNew < 0 || iMid < iNew || iOld < iMid {
			t.Errorf("leads not newest first: positions %d, %d, %d", iNew, iMid, iOld)
		}
		for _, want := range []string{
			"<title>Leads — Intake</title>", `name="robots" content="noindex`, "Showing 1–3 of 3",
			leadLink(fresh), leadLink(mid), leadLink(old), `<th scope="col">Name</th>`,
			`<label for="inbox-q">`, "A leader who manages well", `class="badge badge-new"`, "css/admin-inbox.css",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("inbox lacks %q", want)
			}
		}

		r = s.get("/admin/leads?q=ACME")
		if !strings.Contains(r.body, "Mia Middle") || strings.Contains(r.body, "Nina New") || strings.Contains(r.body, "Oscar Old") {
			t.Errorf("search for acme shows the wrong leads:\n%s", r.body)
		}
		if !strings.Contains(r.body, `value="ACME"`) {
			t.Error("the search box does not keep the search")
		}

		r = s.get("/admin/leads?q=nobody+at+all")
		if !strings.Contains(r.body, "No leads match these filters.") || !strings.Contains(r.body, `<a href="/admin/leads">Clear filters</a>`) {
			t.Errorf("an empty result does not say so:\n%s", r.body)
		}
	})
}

func TestLeadInboxIgnoresUnknownValues(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.inboxLead("Ada Lovelace", "Analytical Engines", "", time.Now().Add(-time.Hour))
		s.signIn(models.RoleAdmin)
		r := s.get("/admin/leads?sort=DROP+TABLE+leads&status=bogus&band=%3Cscript%3E&from=2026-13-45&after=not-a-cursor&consent=all")
		if r.status != http.StatusOK {
			t.Fatalf("GET with unknown values = %d:\n%s", r.status, r.body)
		}
		for _, want := range []string{
			"Ignored an unknown sort “DROP TABLE leads”.", "Ignored an unknown status “bogus”.",
			"Ignored an unknown band “&lt;script&gt;”.", "Ignored a malformed date “2026-13-45”",
			"Ignored a page link that was not valid", "Ignored an unknown consent “all”.",
			"Ada Lovelace", "Showing 1–1 of 1",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if n, err := s.store.CountLeads(t.Context()); err != nil || n != 1 {
			t.Errorf("leads after the request = %d (%v), want 1", n, err)
		}
	})
}

func TestLeadInboxMarketingSeesNamesWithoutLinks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		l := s.inboxLead("Grace Hopper", "Navy", "", time.Now().Add(-time.Hour))
		s.signIn(models.RoleMarketing)
		r := s.get("/admin/leads")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Grace Hopper") {
			t.Fatalf("marketing's inbox = %d without the lead:\n%s", r.status, r.body)
		}
		if strings.Contains(r.body, leadLink(l)) {
			t.Error("marketing sees a link to a lead page it may not open")
		}
	})
}

func TestLeadInboxAsksAnonymousToSignIn(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		r := s.get("/admin/leads?q=acme")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login?next=%2Fadmin%2Fleads%3Fq%3Dacme" {
			t.Errorf("anonymous GET = %d to %q", r.status, r.header.Get("Location"))
		}
	})
}

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)

func TestLeadInboxNextPageKeepsTheFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		start := time.Now().UTC().Add(-100 * time.Hour)
		for i := range 30 {
			s.inboxLead(fmt.Sprintf("Spring Person %02d", i), "Acme", "spring", start.Add(time.Duration(i)*time.Hour))
		}
		s.inboxLead("Autumn Person", "Acme", "autumn", start.Add(50*time.Hour))
		s.signIn(models.RoleConsultant)

		r := s.get("/admin/leads?campaign=spring")
		m := nextLink.FindStringSubmatch(r.body)
		if m == nil || !strings.Contains(r.body, "Showing 1–25 of 30") {
			t.Fatalf("first page has no next link or count:\n%s", r.body)
		}
		for i := range 30 {
			if shown := strings.Contains(r.body, fmt.Sprintf("Spring Person %02d", i)); shown != (i >= 5) {
				t.Errorf("Spring Person %02d shown on the first page: %v", i, shown)
			}
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "campaign=spring") {
			t.Errorf("next link %q drops the campaign", next)
		}

		r = s.get(next)
		if r.status != http.StatusOK || !strings.Contains(r.body, "Showing 26–30 of 30") {
			t.Fatalf("GET %s = %d:\n%s", next, r.status, r.body)
		}
		for i := range 30 {
			if shown := strings.Contains(r.body, fmt.Sprintf("Spring Person %02d", i)); shown != (i < 5) {
				t.Errorf("Spring Person %02d shown on the second page: %v", i, shown)
			}
		}
		if strings.Contains(r.body, "Autumn Person") || nextLink.MatchString(r.body) {
			t.Error("second page shows another campaign or a further page")
		}
		if !strings.Contains(r.body, `<a href="/admin/leads?campaign=spring">First page</a>`) {
			t.Error("second page has no link back to the first")
		}
	})
}

func TestLeadInboxDatesAreWholeDaysInUTC(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		s.inboxLead("Before Midnight", "Acme", "", day.Add(-time.Second))
		s.inboxLead("At Midnight", "Acme", "", day)
		s.inboxLead("Last Minute", "Acme", "", day.Add(24*time.Hour-time.Minute))
		s.inboxLead("Next Day", "Acme", "", day.Add(24*time.Hour))
		s.signIn(models.RoleConsultant)

		r := s.get("/admin/leads?from=2026-03-01&to=2026-03-01&sort=oldest")
		if !strings.Contains(r.body, "Showing 1–2 of 2") || strings.Index(r.body, "At Midnight") > strings.Index(r.body, "Last Minute") {
			t.Errorf("one day, oldest first, shows the wrong leads:\n%s", r.body)
		}
		for _, want := range []string{`name="from" type="date" value="2026-03-01"`, `<option value="oldest" selected>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the form does not keep %q", want)
			}
		}
	})
}

// teamOf invites invited colleagues for l and stores answers of them.
func (s *site) teamOf(l *models.Lead, invited, answers int) {
	s.t.Helper()
	ctx := s.t.Context()
	var emails []string
	for i := range invited {
		emails = append(emails, fmt.Sprintf("colleague%d.%d@example.org", l.ID, i))
	}
	var ids []int64
	_, err := s.store.CreateInvitations(ctx, l.ID, emails, time.Now(), func(_ context.Context, _ models.Tx, got []int64) error { ids = got; return nil })
	if err != nil {
		s.t.Fatal(err)
	}
	for _, id := range ids[:answers] {
		p, err := s.store.PendingInvite(ctx, id)
		if err != nil {
			s.t.Fatal(err)
		}
		err = s.store.SaveTeamAnswer(ctx, p.Invitation.Token, models.TeamAnswer{DiagnosticVersion: l.DiagnosticVersion, Answers: "{}", Scores: "{}"}, 3, time.Now(), nil)
		if err != nil {
			s.t.Fatal(err)
		}
	}
}

func TestLeadInboxTeamBadgeAndFilter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		now := time.Now().UTC()
		alone := s.inboxLead("Alan Alone", "Solo Ltd", "", now.Add(-3*time.Hour))
		asked := s.inboxLead("Ada Asked", "Analytical Ltd", "", now.Add(-2*time.Hour))
		ready := s.inboxLead("Rita Ready", "Acme Ltd", "", now.Add(-time.Hour))
		s.teamOf(asked, 2, 1)
		s.teamOf(ready, 5, 3)
		s.signIn(models.RoleConsultant)

		r := s.get("/admin/leads")
		for _, want := range []string{
			`<span aria-hidden="true">Team 1/2</span><span class="visually-hidden">Team view: 1 answer from 2 invited</span>`,
			`<span aria-hidden="true">Team 3/5</span><span class="visually-hidden">Team view: 3 answers from 5 invited, unlocked</span>`,
			`class="badge badge-team badge-team-unlocked"`, `<label for="inbox-team">Team view</label>`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("inbox lacks %q", want)
			}
		}
		if n := strings.Count(r.body, `class="badge badge-team`); n != 2 {
			t.Errorf("%d team badges, want 2 (a lead who invited nobody has none)", n)
		}

		for _, tc := range []struct {
			query      string
			shown, not []*models.Lead
		}{
			{"team=invited", []*models.Lead{asked, ready}, []*models.Lead{alone}},
			{"team=unlocked", []*models.Lead{ready}, []*models.Lead{alone, asked}},
			{"team=unlocked&q=acme", []*models.Lead{ready}, []*models.Lead{alone, asked}},
			{"team=invited&q=solo", nil, []*models.Lead{alone, asked, ready}},
		} {
			r := s.get("/admin/leads?" + tc.query)
			for _, l := range tc.shown {
				if !strings.Contains(r.body, leadLink(l)) {
					t.Errorf("%s does not show %s", tc.query, l.Name)
				}
			}
			for _, l := range tc.not {
				if strings.Contains(r.body, leadLink(l)) {
					t.Errorf("%s shows %s", tc.query, l.Name)
				}
			}
		}
		if r := s.get("/admin/leads?team=unlocked"); !strings.Contains(r.body, `<option value="unlocked" selected>Unlocked</option>`) {
			t.Error("the filter form does not keep the team filter")
		}
		if r := s.get("/admin/leads?team=everyone"); !strings.Contains(r.body, "Ignored an unknown team “everyone”.") || !strings.Contains(r.body, leadLink(alone)) {
			t.Error("an unknown team filter is not ignored with a notice")
		}

		// The API shares the filter and shows the counts.
		token := s.newToken(s.newUser(models.RoleConsultant), "leads:read")
		res := s.api(apiCall{method: "GET", path: "/api/v1/leads?team=unlocked", token: token})
		var list struct {
			Leads []struct {
				ID int64
			}
		}
		if res.status != 200 || json.Unmarshal([]byte(res.body), &list) != nil {
			t.Fatalf("GET /api/v1/leads?team=unlocked = %d\n%s", res.status, res.body)
		}
		if !strings.Contains(res.body, `"team_invited":5,"team_answers":3`) || len(list.Leads) != 1 || list.Leads[0].ID != ready.ID {
			t.Errorf("GET /api/v1/leads?team=unlocked = %s, want only %s with 5 invited and 3 answers", res.body, ready.Name)
		}
		for _, want := range []struct {
			l    *models.Lead
			team string
		}{{ready, `"team":{"invited":5,"answers":3,"unlocked":true}`}, {asked, `"team":{"invited":2,"answers":1,"unlocked":false}`}, {alone, `"team":{"invited":0,"answers":0,"unlocked":false}`}} {
			res := s.api(apiCall{method: "GET", path: fmt.Sprintf("/api/v1/leads/%d", want.l.ID), token: token})
			if res.status != 200 || !strings.Contains(res.body, want.team) {
				t.Errorf("GET /api/v1/leads/%d = %d, want %s:\n%s", want.l.ID, res.status, want.team, res.body)
			}
		}
		res = s.api(apiCall{method: "GET", path: "/api/v1/leads?team=everyone", token: token, bad: true})
		if res.status != 422 || !strings.Contains(res.body, "must be invited or unlocked") {
			t.Errorf("GET /api/v1/leads?team=everyone = %d\n%s", res.status, res.body)
		}
	})
}
