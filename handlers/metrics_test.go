package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// newMetricsSite is the site with metrics, served at /admin/metrics when onSite.
func newMetricsSite(t *testing.T, dialect string, onSite bool) *site {
	t.Helper()
	store := modelstest.Open(t, dialect)
	return newSiteWith(t, store, func(d *handlers.Deps) {
		d.Metrics = metrics.New(metrics.Config{DB: store.SQLDB(), EmailKinds: models.EmailKinds})
		d.ServeMetrics = onSite
	})
}

func TestMetricsCountRequestsAndLeads(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := newMetricsSite(t, dialect, true)
			s.get("/")
			s.get("/")
			s.get("/results/a-secret-result-token")
			s.get("/no/such/page")
			if r := s.post("/diagnostic", s.validForm(diagnostictest.Value(3))); r.status != http.StatusSeeOther {
				t.Fatalf("submission = %d", r.status)
			}
			bot := s.validForm(diagnostictest.Value(3))
			bot.Set("fax", "filled in by a bot")
			if r := s.post("/diagnostic", bot); r.status != http.StatusSeeOther {
				t.Fatalf("quarantined submission = %d", r.status)
			}

			// Anonymous visitors are sent to sign in, consultants refused.
			r := s.get("/admin/metrics")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/login?next=") {
				t.Errorf("anonymous GET /admin/metrics = %d %s, want a redirect to sign in", r.status, r.header.Get("Location"))
			}
			s.signIn(models.RoleConsultant)
			if r := s.get("/admin/metrics"); r.status != http.StatusForbidden {
				t.Errorf("consultant GET /admin/metrics = %d, want 403", r.status)
			}
			s.signOut()

			s.signIn(models.RoleAdmin)
			r = s.get("/admin/metrics")
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Fatalf("admin GET /admin/metrics = %d %q:\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
			}
			metricstest.Want(t, r.body, "intake_http_requests_total", 2, "method", "GET", "route", "/", "code", "200")
			metricstest.Want(t, r.body, "intake_http_requests_total", 1, "method", "GET", "route", "/results/:token", "code", "404")
			metricstest.Want(t, r.body, "intake_http_requests_total", 2, "method", "POST", "route", "/diagnostic", "code", "303")
			metricstest.Want(t, r.body, "intake_http_request_duration_seconds_count", 2, "method", "GET", "route", "/")
			metricstest.Want(t, r.body, "intake_leads_saved_total", 1)
			metricstest.Want(t, r.body, "intake_submissions_quarantined_total", 1)
			if _, ok := metricstest.Sample(r.body, "go_sql_open_connections", "db_name", "intake"); !ok {
				t.Error("no database pool statistics")
			}
			for _, leak := range []string{"a-secret-result-token", "/no/such/page", "ada@example.com"} {
				if strings.Contains(r.body, leak) {
					t.Errorf("the scrape shows %q: labels must be route patterns only", leak)
				}
			}
		})
	}
}

// TestMetricsNotOnTheSiteWithTheirOwnListener: with METRICS_ADDR set the
// site's /admin/metrics is not found, even for admins.
func TestMetricsNotOnTheSiteWithTheirOwnListener(t *testing.T) {
	s := newMetricsSite(t, models.SQLite, false)
	s.signIn(models.RoleAdmin)
	if r := s.get("/admin/metrics"); r.status != http.StatusNotFound {
		t.Errorf("admin GET /admin/metrics = %d, want 404", r.status)
	}
}
