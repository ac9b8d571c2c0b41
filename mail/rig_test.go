package mail_test

import (
	"context"
	"database/sql"
	netmail "net/mail"
	"net/url"
	"testing"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// rig is a store, a queue with running workers and a real SMTP server.
type rig struct {
	t      testing.TB
	store  *models.Store
	queue  *jobs.Queue
	emails mail.Enqueuer
	smtp   *mailtest.Server
	def    *diagnostic.Definition
	cons   *diagnostic.Consent
}

const teamAddress = "consultants@stellapop.example"

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func composer(t testing.TB) (*mail.Composer, *diagnostic.Definition, *diagnostic.Consent) {
	t.Helper()
	def := diagnostictest.Shipped(t)
	cons, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://intake.example.com")
	c, err := mail.NewComposer(mail.ComposerConfig{
		Diagnostic: def, Consent: cons, BaseURL: base, ArticlePath: "/articles/leadership-vs-management",
		BookingURL: "https://stellapop.example/book",
		From:       &netmail.Address{Name: "StellaPop Management Consulting", Address: "hello@stellapop.example"},
		Team:       []*netmail.Address{{Address: teamAddress}},
		Secret:     testSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, def, cons
}

func newRig(t testing.TB, dialect string) *rig {
	t.Helper()
	store := modelstest.Open(t, dialect)
	srv := mailtest.NewServer(t)
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := mail.NewSMTPTransport(settings, 0)
	if err != nil {
		t.Fatal(err)
	}
	return newRigWith(t, store, transport, srv)
}

func newRigWith(t testing.TB, store *models.Store, transport mail.Transport, srv *mailtest.Server) *rig {
	t.Helper()
	c, def, cons := composer(t)
	q, emails := mailtest.NewQueue(t, store, mail.WorkerConfig{Composer: c, Transport: transport, RetryBase: 50 * time.Millisecond}, mail.DefaultWorkers)
	return &rig{t: t, store: store, queue: q, emails: emails, smtp: srv, def: def, cons: cons}
}

// start runs the workers until the test ends.
func (r *rig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.queue.Start(ctx); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := r.queue.Stop(stopCtx); err != nil {
			r.t.Errorf("stop queue: %v", err)
		}
		cancel()
	})
}

// saveLead stores a scored lead with its emails queued, as a submission does.
func (r *rig) saveLead(change func(*models.Lead)) *models.Lead {
	r.t.Helper()
	answers := diagnostictest.Answers(r.def, diagnostictest.Varied)
	res, err := r.def.Score(answers)
	if err != nil {
		r.t.Fatal(err)
	}
	now := time.Now().UTC()
	lead := &models.Lead{
		Name: "Ada Lovelace", Email: "ada@example.com", Company: "Acme", Role: "COO",
		DiagnosticVersion: r.def.Version, OverallIndex: res.Index, Band: res.Band.ID,
		Source: models.Source{LandingPage: "/articles/leadership-vs-management", UTMCampaign: "autumn"},
	}
	for i, q := range r.def.Questions {
		o, _ := q.Option(answers[q.ID])
		lead.Answers = append(lead.Answers, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension, QuestionText: q.Text, Value: o.Value, Label: o.Label, Points: o.Points})
	}
	for i, d := range res.Dimensions {
		lead.Scores = append(lead.Scores, models.Score{Dimension: d.Dimension.ID, Position: i + 1, Score: d.Score})
	}
	for _, p := range r.cons.Purposes {
		lead.Consents = append(lead.Consents, models.Consent{Purpose: p.ID, Granted: true, DecidedAt: now, WordingVersion: r.cons.Version, WordingSHA256: p.SHA256, Wording: p.Label})
	}
	if change != nil {
		change(lead)
	}
	if err := r.store.SaveLead(context.Background(), lead, r.emails.EnqueueLeadEmails); err != nil {
		r.t.Fatal(err)
	}
	return lead
}

// emailState reads the delivery state of one email.
func (r *rig) emailState(leadID int64, kind string) *models.LeadEmail {
	r.t.Helper()
	s, err := r.store.LeadEmailState(context.Background(), leadID, kind)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// waitFor polls cond until it holds or the timeout passes.
func (r *rig) waitFor(what string, timeout time.Duration, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobsIn counts queue jobs in a state, read straight from the queue's table.
func (r *rig) jobsIn(state string) int {
	r.t.Helper()
	var n int
	q := "SELECT count(*) FROM river_job WHERE state = $1"
	if err := r.store.SQLDB().QueryRow(q, state).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// requeue inserts the lead's email jobs again, as the queue's rescuer does
// for jobs whose worker stopped before their completion was recorded.
func (r *rig) requeue(lead *models.Lead) {
	r.t.Helper()
	ctx := context.Background()
	tx, err := r.store.SQLDB().BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.emails.EnqueueLeadEmails(ctx, models.Tx{SQL: tx}, lead); err != nil {
		tx.Rollback()
		r.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		r.t.Fatal(err)
	}
}
