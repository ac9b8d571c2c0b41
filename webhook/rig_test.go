package webhook

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// rig is a store whose lead events are queued by a Dispatcher, a queue
// with the delivery worker (reaching loopback only), and the admin
// notices it queues, caught instead of mailed.
type rig struct {
	t          testing.TB
	store      *models.Store
	queue      *jobs.Queue
	dispatcher *Dispatcher
	def        *diagnostic.Definition
	mu         sync.Mutex
	notices    []mail.AdminNoticeArgs
	started    bool
}

const testBaseURL = "https://intake.example.com"

func newRig(t testing.TB, dialect string, tweak func(*WorkerConfig)) *rig {
	t.Helper()
	r := &rig{t: t, store: modelstest.Open(t, dialect), def: diagnostictest.Shipped(t)}
	base, _ := url.Parse(testBaseURL)
	wc := WorkerConfig{
		Definition: r.def, BaseURL: base, AllowPrivate: true, Timeout: 2 * time.Second, RetryBase: 20 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), dialCheck: loopbackOnly(t),
	}
	if tweak != nil {
		tweak(&wc)
	}
	workers := river.NewWorkers()
	w, err := AddWorker(workers, r.store, wc)
	if err != nil {
		t.Fatal(err)
	}
	river.AddWorker(workers, river.WorkFunc(func(_ context.Context, job *river.Job[mail.AdminNoticeArgs]) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.notices = append(r.notices, job.Args)
		return nil
	}))
	// A new lead's emails, which a test may queue beside its events, are
	// dropped: the mail package's tests deliver them.
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[mail.EmailArgs]) error { return nil }))
	q, err := jobs.New(r.store, jobs.Config{Workers: workers, Queues: map[string]int{QueueName: DefaultWorkers, mail.QueueName: 1}, Log: wc.Log})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(r.store)(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.UseQueue(q)
	r.queue = q
	r.dispatcher = NewDispatcher(r.store, q)
	r.store.OnLeadEvents(r.dispatcher.EnqueueLeadEvents)
	return r
}

// start runs the workers until the test ends.
func (r *rig) start() {
	r.t.Helper()
	if err := r.queue.Start(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.queue.Stop(ctx); err != nil {
			r.t.Errorf("stop queue: %v", err)
		}
	})
}

// endpoint adds an endpoint for url subscribed to events.
func (r *rig) endpoint(kind, url string, events ...string) *models.WebhookEndpoint {
	r.t.Helper()
	e := &models.WebhookEndpoint{URL: url, Kind: kind, Events: models.JoinEvents(events), Secret: NewSecret()}
	if err := r.store.CreateWebhookEndpoint(context.Background(), e); err != nil {
		r.t.Fatal(err)
	}
	return e
}

// lead makes a scored lead as a submission does (not saved).
func (r *rig) lead(name, email, company string) *models.Lead {
	answers := diagnostictest.Answers(r.def, diagnostictest.Varied)
	res, err := r.def.Score(answers)
	if err != nil {
		r.t.Fatal(err)
	}
	now := time.Now().UTC()
	l := &models.Lead{
		Name: name, Email: email, Company: company, Role: "COO",
		DiagnosticVersion: r.def.Version, OverallIndex: res.Index, Band: res.Band.ID,
		Source: models.Source{LandingPage: "/articles/leadership-vs-management", UTMCampaign: "autumn"},
	}
	for i, q := range r.def.Questions {
		o, _ := q.Option(answers[q.ID])
		l.Answers = append(l.Answers, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension, QuestionText: q.Text, Value: o.Value, Label: o.Label, Points: o.Points})
	}
	for i, d := range res.Dimensions {
		l.Scores = append(l.Scores, models.Score{Dimension: d.Dimension.ID, Position: i + 1, Score: d.Score})
	}
	for _, p := range []string{models.PurposeSummary, models.PurposeMarketing} {
		l.Consents = append(l.Consents, models.Consent{Purpose: p, Granted: true, DecidedAt: now, WordingVersion: "c1", WordingSHA256: "ab", Wording: "…"})
	}
	return l
}

// save stores a new lead, its events queued in the same transaction.
func (r *rig) save(l *models.Lead) *models.Lead {
	r.t.Helper()
	if err := r.store.SaveLead(context.Background(), l); err != nil {
		r.t.Fatal(err)
	}
	return l
}

// deliveries reads an endpoint's delivery log.
func (r *rig) deliveries(endpointID int64) []models.WebhookDelivery {
	r.t.Helper()
	d, err := r.store.WebhookDeliveries(context.Background(), endpointID, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// jobStates counts the delivery jobs by state.
func (r *rig) jobStates() map[string]int {
	r.t.Helper()
	rows, err := r.store.SQLDB().Query("SELECT state FROM river_job WHERE kind = 'webhook'")
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			r.t.Fatal(err)
		}
		out[s]++
	}
	return out
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// received is one delivery a receiver accepted.
type received struct {
	id     string
	header http.Header
	raw    []byte
	body   map[string]any
	at     time.Time
}

// receiver is an in-process webhook receiver on loopback. It verifies
// every delivery with the Standard Webhooks reference library against each
// of its secrets, answers as respond says (204 when nil), and deduplicates
// on webhook-id as receivers are told to.
type receiver struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	secrets []string
	respond func(w http.ResponseWriter, n int) bool // n: requests so far; true if it answered
	all     []received                              // every request, retries included
	byID    map[string]received                     // after deduplication
}

func newReceiver(t testing.TB) *receiver {
	rc := &receiver{t: t, byID: map[string]received{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	rc.mu.Lock()
	n := len(rc.all)
	got := received{id: req.Header.Get(HeaderID), header: req.Header.Clone(), raw: raw, at: time.Now()}
	_ = json.Unmarshal(raw, &got.body)
	rc.all = append(rc.all, got)
	secrets, respond := rc.secrets, rc.respond
	rc.mu.Unlock()
	for _, s := range secrets {
		if err := verifyWith(rc.t, s, raw, req.Header); err != nil {
			rc.t.Errorf("delivery %s does not verify with secret %.12s…: %v", got.id, s, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if respond != nil && respond(w, n) {
		return
	}
	rc.mu.Lock()
	if _, seen := rc.byID[got.id]; !seen {
		rc.byID[got.id] = got
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) set(secrets []string, respond func(w http.ResponseWriter, n int) bool) {
	rc.mu.Lock()
	rc.secrets, rc.respond = secrets, respond
	rc.mu.Unlock()
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.all...)
}

func (rc *receiver) accepted() map[string]received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]received, len(rc.byID))
	for k, v := range rc.byID {
		out[k] = v
	}
	return out
}
