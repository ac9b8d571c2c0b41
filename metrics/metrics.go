// Package metrics is Intake's Prometheus instrumentation: one registry per
// process (never the global default, so tests can run several apps side by
// side) holding the request, lead, email, queue and database collectors.
//
// Every method is safe on a nil *Metrics, which counts nothing, so code
// built without metrics (most tests) needs no checks.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config says what the metrics watch.
type Config struct {
	// DB is the database the app uses: its pool statistics are exported,
	// and its river_job table is counted at scrape time. Nil: neither.
	DB *sql.DB
	// Pool is PostgreSQL's connection pool, under DB and used directly by
	// submissions and the queue; nil on SQLite.
	Pool *pgxpool.Pool
	// EmailKinds are the kinds of email the worker sends; their counters
	// start at zero so a rate is defined before the first email.
	EmailKinds []string
}

// Metrics owns the registry and the collectors the app updates.
type Metrics struct {
	registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	leadsSaved      prometheus.Counter
	quarantined     prometheus.Counter
	emailsSent      *prometheus.CounterVec
	emailsFailed    *prometheus.CounterVec
	bookings        *prometheus.CounterVec
	apiRefused      *prometheus.CounterVec
	handler         http.Handler
	// series holds each request series once looked up (requestKey →
	// requestSeries): finding a labelled series hashes its labels under a
	// lock, which is most of what counting a request costs.
	series sync.Map
}

type requestKey struct {
	method, route string
	status        int
}

type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New builds the registry with the app's collectors, the database pool and
// queue collectors (when cfg.DB is set), and the Go and process collectors.
func New(cfg Config) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "intake_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		leadsSaved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_leads_saved_total",
			Help: "Completed diagnostics saved as new leads.",
		}),
		quarantined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_submissions_quarantined_total",
			Help: "Submissions held back as suspect instead of becoming leads.",
		}),
		emailsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_emails_sent_total",
			Help: "Emails the mail server accepted, by kind.",
		}, []string{"kind"}),
		emailsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_emails_failed_total",
			Help: "Attempts to send an email that failed (retried or given up), by kind.",
		}, []string{"kind"}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_booking_events_total",
			Help: "Scheduling services' webhooks received, by provider (cal, calendly) and outcome: recorded on a lead, duplicate, no_lead (no lead has the address; nothing kept), ignored, rejected (signature), malformed.",
		}, []string{"provider", "outcome"}),
		apiRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_api_refused_total",
			Help: "API requests refused before reaching their endpoint, by reason: missing, malformed, unknown, expired or revoked token (401), role or scope (403), rate_limited (429).",
		}, []string{"reason"}),
	}
	for _, reason := range APIRefusalReasons {
		m.apiRefused.WithLabelValues(reason)
	}
	for _, kind := range cfg.EmailKinds {
		m.emailsSent.WithLabelValues(kind)
		m.emailsFailed.WithLabelValues(kind)
	}
	m.registry.MustRegister(
		m.requests, m.requestDuration, m.leadsSaved, m.quarantined, m.emailsSent, m.emailsFailed, m.bookings, m.apiRefused,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if cfg.DB != nil {
		m.registry.MustRegister(
			collectors.NewDBStatsCollector(cfg.DB, "intake"),
			newQueueCollector(cfg.DB),
		)
	}
	if cfg.Pool != nil {
		m.registry.MustRegister(newPoolCollector(cfg.Pool))
	}
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry: m.registry, // counts the handler's own errors
		Timeout:  10 * time.Second,
	})
	return m
}

// Registry is where the collectors live, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.registry
}

// Handler serves the registry in the Prometheus exposition format; a nil
// *Metrics answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return m.handler
}

// knownMethods keeps the method label to a fixed set: a client can send
// any word as a method, and each would otherwise become a series.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveRequest counts one answered request. route must be the matched
// route pattern (such as /results/:token), never the path that was asked
// for: paths carry result tokens and are unbounded. An empty route (no
// route matched) is counted as "unmatched".
func (m *Metrics) ObserveRequest(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	method, route = requestLabels(method, route)
	rs := m.requestSeries(method, route, status)
	rs.count.Inc()
	rs.duration.Observe(took.Seconds())
}

// requestLabels keeps the method and route labels to fixed sets.
func requestLabels(method, route string) (string, string) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	if route == "" {
		route = "unmatched"
	}
	return method, route
}

// requestSeries finds the series of one method, route and status, with
// labels already passed through requestLabels.
func (m *Metrics) requestSeries(method, route string, status int) requestSeries {
	// Method, route and status are each from a small fixed set, so the
	// series found are too.
	k := requestKey{method, route, status}
	s, ok := m.series.Load(k)
	if !ok {
		s, _ = m.series.LoadOrStore(k, requestSeries{
			count:    m.requests.WithLabelValues(method, route, strconv.Itoa(status)),
			duration: m.requestDuration.WithLabelValues(method, route),
		})
	}
	return s.(requestSeries)
}

// RouteRequests counts the requests of one route, for a caller that knows
// its routes at start: it keeps the series of the status last answered, so
// a route that keeps answering alike finds its series without a lookup.
// The series themselves are made on the first request, as with
// ObserveRequest, so a route never asked for shows no series.
//
// A nil *RouteRequests counts nothing.
type RouteRequests struct {
	m             *Metrics
	method, route string
	last          atomic.Pointer[statusSeries]
}

type statusSeries struct {
	status int
	requestSeries
}

// Route returns the counter of requests for one method and route pattern,
// counted exactly as ObserveRequest counts them; nil on a nil *Metrics.
func (m *Metrics) Route(method, route string) *RouteRequests {
	if m == nil {
		return nil
	}
	method, route = requestLabels(method, route)
	return &RouteRequests{m: m, method: method, route: route}
}

// Observe counts one answered request of the route.
func (r *RouteRequests) Observe(status int, took time.Duration) {
	if r == nil {
		return
	}
	s := r.last.Load()
	if s == nil || s.status != status {
		s = &statusSeries{status, r.m.requestSeries(r.method, r.route, status)}
		r.last.Store(s)
	}
	s.count.Inc()
	s.duration.Observe(took.Seconds())
}

// LeadSaved counts a completed diagnostic saved as a new lead.
func (m *Metrics) LeadSaved() {
	if m == nil {
		return
	}
	m.leadsSaved.Inc()
}

// Quarantined counts a submission held back as suspect.
func (m *Metrics) Quarantined() {
	if m == nil {
		return
	}
	m.quarantined.Inc()
}

// EmailSent counts an email of kind accepted by the mail server.
func (m *Metrics) EmailSent(kind string) {
	if m == nil {
		return
	}
	m.emailsSent.WithLabelValues(kind).Inc()
}

// EmailFailed counts a failed attempt to send an email of kind.
func (m *Metrics) EmailFailed(kind string) {
	if m == nil {
		return
	}
	m.emailsFailed.WithLabelValues(kind).Inc()
}

// BookingReceived counts a scheduling service's webhook by its outcome.
func (m *Metrics) BookingReceived(provider, outcome string) {
	if m == nil {
		return
	}
	m.bookings.WithLabelValues(provider, outcome).Inc()
}

// APIRefusalReasons are the reasons an API request is refused before its
// endpoint; their counters start at zero.
var APIRefusalReasons = []string{"missing", "malformed", "unknown", "expired", "revoked", "role", "scope", "rate_limited"}

// APIRefused counts an API request refused for reason.
func (m *Metrics) APIRefused(reason string) {
	if m == nil {
		return
	}
	m.apiRefused.WithLabelValues(reason).Inc()
}
