package handlers_test

import (
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
