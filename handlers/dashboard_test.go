package handlers_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

// newCountingSite is newSite with a funnel counter the test flushes itself.
func newCountingSite(t *testing.T, dialect string) (*site, *handlers.FunnelCounter) {
	t.Helper()
	store := modelstest.Open(t, dialect)
	deps := testDeps(t, store)
	deps.Funnel = handlers.NewFunnelCounter(store, deps.Logger)
	e, err := handlers.NewServer(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &site{t: t, url: srv.URL, store: store, def: deps.Diagnostic, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, deps.Funnel
}

// today returns the stored funnel counts of the current UTC day.
func (s *site) today() map[string]int64 {
	s.t.Helper()
	day := time.Now().UTC().Format(models.DayLayout)
	got, err := s.store.DailyTotals(s.t.Context(), day, day)
	if err != nil {
		s.t.Fatal(err)
	}
	return got
}

// seedWaitingLeads stores a lead from this week and one that has waited
// ten days, both new and untouched, and returns the waiting one.
func (s *site) seedWaitingLeads() *models.Lead {
	s.t.Helper()
	now := time.Now().UTC()
	waiting := &models.Lead{Name: "Grace Hopper", Email: "grace@navy.example", Company: "Navy <Labs>", Role: "Rear Admiral",
		DiagnosticVersion: s.def.Version, OverallIndex: 85, Band: "leading", CreatedAt: now.AddDate(0, 0, -10)}
	fresh := &models.Lead{Name: "Fresh Lead", Email: "fresh@example.com", Company: "Fresh Ltd", Role: "Analyst",
		DiagnosticVersion: s.def.Version, OverallIndex: 30, Band: "not-leading", CreatedAt: now,
		Source: models.Source{UTMSource: "linkedin"}}
	err := s.store.InsertLeadsBatch(s.t.Context(), []models.LeadWithHistory{{Lead: waiting}, {Lead: fresh}})
	if err != nil {
		s.t.Fatal(err)
	}
	return waiting
}

var leadsWeek = regexp.MustCompile(`id="leads-week">([^<]+)<`)

func TestDashboardShowsTheNumbers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		waiting := s.seedWaitingLeads()
		s.signIn(models.RoleConsultant)
		r := s.get("/admin")
		if r.status != http.StatusOK {
			t.Fatalf("GET /admin = %d:\n%s", r.status, r.body)
		}
		if m := leadsWeek.FindStringSubmatch(r.body); m == nil || m[1] != "1" {
			t.Errorf("leads this week = %v, want 1", m)
		}
		for _, want := range []string{
			`<a href="/admin/leads/` + strconv.FormatInt(waiting.ID, 10) + `">Grace Hopper</a>`,
			"Navy &lt;Labs&gt;",
			`role="img"`, `<title id="chart-bands-title">`, `<desc id="chart-funnel-desc">`,
			"A leader who manages well: 1", "Managing, not leading: 1", "Leading, with room to grow: 0",
			"direct / none: 1", "linkedin: 1",
			"Diagnostic starts: 0",
			`aria-current="page">Dashboard`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if strings.Contains(r.body, "Fresh Lead") {
			t.Error("a lead from just now is listed as waiting")
		}
	})
}

// TestDashboardShortensLongSourceLabels: a campaign link can carry any
// utm_source; past 40 characters the chart draws it cut with an ellipsis,
// so it stays inside the chart on a phone, and says it whole to screen
// readers.
func TestDashboardShortensLongSourceLabels(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		const source = "partner-newsletter-organisationsentwicklung-fuehrungskraefte"
		lead := &models.Lead{Name: "Long Source", Email: "long@example.com", Company: "Acme", Role: "Lead",
			DiagnosticVersion: s.def.Version, OverallIndex: 50, Band: "leading", CreatedAt: time.Now().UTC(),
			Source: models.Source{UTMSource: source}}
		if err := s.store.InsertLeadsBatch(s.t.Context(), []models.LeadWithHistory{{Lead: lead}}); err != nil {
			t.Fatal(err)
		}
		s.signIn(models.RoleConsultant)
		r := s.get("/admin")
		if r.status != http.StatusOK {
			t.Fatalf("GET /admin = %d:\n%s", r.status, r.body)
		}
		for _, want := range []string{">partner-newsletter-organisationsentwick…</text>", source + ": 1"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if strings.Contains(r.body, ">"+source+"</text>") {
			t.Error("the chart draws the 60-character source whole")
		}
	})
}

func TestDashboardMarketingSeesWaitingLeadsWithoutLinks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.seedWaitingLeads()
		s.signIn(models.RoleMarketing)
		r := s.get("/admin")
		if r.status != http.StatusOK {
			t.Fatalf("GET /admin = %d", r.status)
		}
		if !strings.Contains(r.body, `<td data-label="Name">Grace Hopper</td>`) {
			t.Error("marketing should see the waiting lead's name")
		}
		if strings.Contains(r.body, `href="/admin/leads/`) {
			t.Error("marketing may not open leads, so the dashboard must not link to them")
		}
	})
}

func TestFunnelCountsEachStep(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, funnel := newCountingSite(t, dialect)
			s.get(handlers.ArticlePath)
			s.get("/")
			if got := s.today(); len(got) != 0 {
				t.Errorf("counts were written before a flush: %v", got)
			}
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := s.today()[models.MetricArticleViews]; got != 2 {
				t.Errorf("article views after a flush = %d, want 2", got)
			}

			form := s.validForm(diagnostictest.Value(3)) // opens the diagnostic: a start
			if r := s.post("/diagnostic", form); r.status != http.StatusSeeOther {
				t.Fatalf("valid submission = %d", r.status)
			}
			form = s.validForm(diagnostictest.Value(3)) // a second start
			form.Set("email", "not an address")
			if r := s.post("/diagnostic", form); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("bad email = %d", r.status)
			}
			form.Set("email", "ada@example.com")
			form.Del(diagnostic.AnswerField(s.def.Questions[0].ID))
			if r := s.post("/diagnostic", form); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("missing answer = %d", r.status)
			}
			s.get(handlers.ArticlePath)
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := funnel.Flush(t.Context()); err != nil { // nothing new: adds nothing
				t.Fatal(err)
			}
			got := s.today()
			want := map[string]int64{
				models.MetricArticleViews: 3, models.MetricDiagnosticStarts: 2,
				// All answers valid twice, contact details once.
				models.MetricDiagnosticsCompleted: 2, models.MetricLeads: 1,
			}
			for m, n := range want {
				if got[m] != n {
					t.Errorf("%s = %d, want %d (all: %v)", m, got[m], n, got)
				}
			}

			s.signIn(models.RoleConsultant)
			r := s.get("/admin")
			// In full in the description, short beside each bar.
			for _, want := range []string{"Article views: 3", "Diagnostic starts — 66.7% of article views: 2", "Leads — 50.0% of completed diagnostics: 1",
				`class="chart-label" x="0" y="66">Diagnostic starts · 66.7%</text>`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("dashboard funnel lacks %q", want)
				}
			}
		})
	}
}

func TestFunnelCounterKeepsCountsWhenAFlushFails(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, funnel := newCountingSite(t, dialect)
			s.get(handlers.ArticlePath)
			db := s.store.SQLDB()
			if _, err := db.Exec("ALTER TABLE daily_counts RENAME TO daily_counts_away"); err != nil {
				t.Fatal(err)
			}
			if err := funnel.Flush(t.Context()); err == nil {
				t.Fatal("flush into a missing table succeeded")
			}
			if _, err := db.Exec("ALTER TABLE daily_counts_away RENAME TO daily_counts"); err != nil {
				t.Fatal(err)
			}
			s.get(handlers.ArticlePath)
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := s.today()[models.MetricArticleViews]; got != 2 {
				t.Errorf("views = %d, want 2: the failed flush's count is kept for the next", got)
			}
		})
	}
}

func TestDashboardNeedsSignIn(t *testing.T) {
	s := newSite(t, models.SQLite)
	r := s.get("/admin")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/login?next="+url.QueryEscape("/admin")) {
		t.Errorf("anonymous GET /admin = %d to %q", r.status, r.header.Get("Location"))
	}
}

func TestFunnelCounterLosesNothingWhileFlushing(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	funnel := handlers.NewFunnelCounter(store, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				funnel.Inc(models.MetricArticleViews)
			}
		})
	}
	for range 5 { // flushes racing the counting
		if err := funnel.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().Format(models.DayLayout)
	got, err := store.DailyTotals(t.Context(), day, day)
	if err != nil {
		t.Fatal(err)
	}
	if got[models.MetricArticleViews] != 4000 {
		t.Errorf("views = %d, want 4000", got[models.MetricArticleViews])
	}
}
