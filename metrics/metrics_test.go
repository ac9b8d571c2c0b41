package metrics_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// scrape reads the exposition the way Prometheus would.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape = %d:\n%s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestNilMetricsCountNothing(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveRequest("GET", "/", 200, time.Millisecond)
	m.LeadSaved()
	m.Quarantined()
	m.EmailSent(models.EmailProspectSummary)
	m.EmailFailed(models.EmailTeamNotification)
	if m.Registry() != nil {
		t.Error("a nil *Metrics has a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil handler = %d, want 404", rec.Code)
	}
}

func TestCounters(t *testing.T) {
	m := metrics.New(metrics.Config{EmailKinds: models.EmailKinds})
	body := scrape(t, m)
	// Declared series start at zero, so rates exist before the first event.
	metricstest.Want(t, body, "intake_leads_saved_total", 0)
	metricstest.Want(t, body, "intake_submissions_quarantined_total", 0)
	for _, kind := range models.EmailKinds {
		metricstest.Want(t, body, "intake_emails_sent_total", 0, "kind", kind)
		metricstest.Want(t, body, "intake_emails_failed_total", 0, "kind", kind)
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if !metricstest.Has(body, name) {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}

	m.ObserveRequest("GET", "/results/:token", 200, 20*time.Millisecond)
	m.ObserveRequest("GET", "/results/:token", 404, 5*time.Millisecond)
	m.ObserveRequest("GET", "/results/:token", 200, 30*time.Millisecond)
	m.ObserveRequest("BREW", "", 405, time.Millisecond)
	m.LeadSaved()
	m.LeadSaved()
	m.Quarantined()
	m.EmailSent(models.EmailProspectSummary)
	m.EmailFailed(models.EmailTeamNotification)
	m.EmailFailed(models.EmailTeamNotification)

	body = scrape(t, m)
	metricstest.Want(t, body, "intake_http_requests_total", 2, "method", "GET", "route", "/results/:token", "code", "200")
	metricstest.Want(t, body, "intake_http_requests_total", 1, "method", "GET", "route", "/results/:token", "code", "404")
	// An invented method and an unmatched path each collapse to one series.
	metricstest.Want(t, body, "intake_http_requests_total", 1, "method", "OTHER", "route", "unmatched", "code", "405")
	metricstest.Want(t, body, "intake_http_request_duration_seconds_count", 3, "method", "GET", "route", "/results/:token")
	metricstest.Want(t, body, "intake_http_request_duration_seconds_bucket", 1, "method", "GET", "route", "/results/:token", "le", "0.01")
	metricstest.Want(t, body, "intake_leads_saved_total", 2)
	metricstest.Want(t, body, "intake_submissions_quarantined_total", 1)
	metricstest.Want(t, body, "intake_emails_sent_total", 1, "kind", models.EmailProspectSummary)
	metricstest.Want(t, body, "intake_emails_failed_total", 2, "kind", models.EmailTeamNotification)
}

// testArgs is a job for the queue collector to count; nothing works it.
type testArgs struct{}

func (testArgs) Kind() string { return "metrics_test" }

func queueDriver(store *models.Store) riverdriver.Driver[*sql.Tx] {
	if store.Dialect() == models.Postgres {
		return riverdatabasesql.New(store.SQLDB())
	}
	return riversqlite.New(store.SQLDB())
}

func TestQueueDepthAndPoolStats(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			driver := queueDriver(store)
			migrator, err := rivermigrate.New(driver, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
				t.Fatal(err)
			}
			m := metrics.New(metrics.Config{DB: store.SQLDB(), Pool: store.PgxPool(), EmailKinds: models.EmailKinds})
			body := scrape(t, m)
			for _, state := range metrics.QueueStates {
				metricstest.Want(t, body, "intake_queue_jobs", 0, "state", state)
			}

			client, err := river.NewClient(driver, &river.Config{})
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []*river.InsertOpts{nil, nil, {ScheduledAt: time.Now().Add(time.Hour)}} {
				if _, err := client.Insert(ctx, testArgs{}, opts); err != nil {
					t.Fatal(err)
				}
			}
			body = scrape(t, m)
			metricstest.Want(t, body, "intake_queue_jobs", 2, "state", "available")
			metricstest.Want(t, body, "intake_queue_jobs", 1, "state", "scheduled")
			metricstest.Want(t, body, "intake_queue_jobs", 0, "state", "retryable")
			metricstest.Want(t, body, "intake_queue_jobs", 0, "state", "running")
			metricstest.Want(t, body, "intake_queue_scrape_errors_total", 0)
			for _, name := range []string{"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_idle_connections",
				"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total"} {
				if _, ok := metricstest.Sample(body, name, "db_name", "intake"); !ok {
					t.Errorf("no %s{db_name=\"intake\"} in the scrape", name)
				}
			}

			if dialect == models.Postgres {
				// The pool's own series: River's inserts above took connections.
				if v, ok := metricstest.Sample(body, "intake_db_pool_acquires_total"); !ok || v < 1 {
					t.Errorf("intake_db_pool_acquires_total = %v (%v), want at least 1", v, ok)
				}
				for _, state := range []string{"acquired", "idle", "constructing"} {
					if _, ok := metricstest.Sample(body, "intake_db_pool_connections", "state", state); !ok {
						t.Errorf("no intake_db_pool_connections{state=%q}", state)
					}
				}
				if v, ok := metricstest.Sample(body, "intake_db_pool_max_connections"); !ok || v < 1 {
					t.Errorf("intake_db_pool_max_connections = %v (%v)", v, ok)
				}
			} else if metricstest.Has(body, "intake_db_pool_connections") {
				t.Error("pool series on SQLite, which has no pgx pool")
			}

			// With the database gone the scrape still answers: the depth is
			// left out rather than shown as zero, and the failure is counted.
			store.Close()
			body = scrape(t, m)
			if metricstest.Has(body, "intake_queue_jobs") {
				t.Error("queue depth reported while the database is closed")
			}
			metricstest.Want(t, body, "intake_queue_scrape_errors_total", 1)
		})
	}
}

func TestRouteRequestsCountAsObserveRequest(t *testing.T) {
	m := metrics.New(metrics.Config{})
	results := m.Route("GET", "/results/:token")
	unmatched := m.Route("BREW", "")
	if body := scrape(t, m); metricstest.Has(body, "intake_http_requests_total") {
		t.Error("a route no one asked for already shows a series")
	}
	results.Observe(200, 20*time.Millisecond)
	results.Observe(404, 5*time.Millisecond)
	results.Observe(200, 30*time.Millisecond)
	m.ObserveRequest("GET", "/results/:token", 200, time.Millisecond)
	unmatched.Observe(405, time.Millisecond)

	body := scrape(t, m)
	metricstest.Want(t, body, "intake_http_requests_total", 3, "method", "GET", "route", "/results/:token", "code", "200")
	metricstest.Want(t, body, "intake_http_requests_total", 1, "method", "GET", "route", "/results/:token", "code", "404")
	metricstest.Want(t, body, "intake_http_requests_total", 1, "method", "OTHER", "route", "unmatched", "code", "405")
	metricstest.Want(t, body, "intake_http_request_duration_seconds_count", 4, "method", "GET", "route", "/results/:token")

	var none *metrics.Metrics
	none.Route("GET", "/").Observe(200, time.Millisecond) // counts nothing, does not panic
}

func TestRouteRequestsUnderRace(t *testing.T) {
	m := metrics.New(metrics.Config{})
	r := m.Route("GET", "/")
	const workers, each = 8, 1000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				status := 200
				if (w+i)%4 == 0 {
					status = 304
				}
				r.Observe(status, time.Millisecond)
			}
		}()
	}
	wg.Wait()
	body := scrape(t, m)
	metricstest.Want(t, body, "intake_http_requests_total", workers*each*3/4, "method", "GET", "route", "/", "code", "200")
	metricstest.Want(t, body, "intake_http_requests_total", workers*each/4, "method", "GET", "route", "/", "code", "304")
}
