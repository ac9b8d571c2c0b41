package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// sampleLead is a lead as a submission saves it; its two answers are the
// shipped diagnostic's first two questions, answered Often and Rarely.
func sampleLead(t testing.TB) *models.Lead {
	t.Helper()
	def := diagnostictest.Shipped(t)
	var answers []models.Answer
	for i, value := range []int{4, 2} {
		q := def.Questions[i]
		o := diagnostictest.Value(value)(i, q)
		answers = append(answers, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension,
			QuestionText: q.Text, Value: o.Value, Label: o.Label, Points: o.Points})
	}
	size := 12
	return &models.Lead{
		Name: "Ada O'Neil", Email: "ada@example.com", Company: "Acme", Role: "Head of Ops",
		TeamSize: &size, DiagnosticVersion: "v1", OverallIndex: 63, Band: "emerging",
		Source:  models.Source{LandingPage: "/articles/leadership-vs-management", UTMSource: "newsletter", UTMCampaign: "autumn"},
		Answers: answers,
		Scores:  []models.Score{{Dimension: "develops", Position: 1, Score: 75}, {Dimension: "trust", Position: 2, Score: 50}},
		Consents: []models.Consent{
			{Purpose: "summary", Granted: true, DecidedAt: time.Now().UTC(), WordingVersion: "c1", WordingSHA256: "ab", Wording: "Store my answers"},
			{Purpose: "marketing", Granted: false, DecidedAt: time.Now().UTC(), WordingVersion: "c1", WordingSHA256: "cd", Wording: "Send me insights"},
		},
	}
}

// keyedLead is sampleLead sent with the form key key.
func keyedLead(t testing.TB, key string) *models.Lead {
	t.Helper()
	lead := sampleLead(t)
	lead.SubmissionKey = &key
	return lead
}

func TestSaveLeadRoundTrip(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			lead := sampleLead(t)
			if err := store.SaveLead(ctx, lead); err != nil {
				t.Fatalf("SaveLead: %v", err)
			}
			if lead.ID == 0 || len(lead.Token) < 22 {
				t.Fatalf("lead got id %d token %q; want an id and a token of at least 128 bits", lead.ID, lead.Token)
			}
			got, err := store.LeadByToken(ctx, lead.Token)
			if err != nil {
				t.Fatalf("LeadByToken: %v", err)
			}
			if got.Name != lead.Name || got.Email != lead.Email || *got.TeamSize != 12 || got.Status != models.StatusNew {
				t.Errorf("loaded lead = %+v", got)
			}
			if got.Source.UTMCampaign != "autumn" || got.Source.LandingPage != lead.Source.LandingPage {
				t.Errorf("source = %+v", got.Source)
			}
			if len(got.Answers) != 2 || got.Answers[0].QuestionID != lead.Answers[0].QuestionID || got.Answers[0].Label != "Often" || got.Answers[1].Label != "Rarely" {
				t.Errorf("answers = %+v", got.Answers)
			}
			if got.ScoreMap()["develops"] != 75 || got.ScoreMap()["trust"] != 50 {
				t.Errorf("scores = %+v", got.Scores)
			}
			if c, ok := got.Consent("marketing"); !ok || c.Granted || c.WordingVersion != "c1" {
				t.Errorf("marketing consent = %+v, %v", c, ok)
			}
			if got.CreatedAt.IsZero() || time.Since(got.CreatedAt) > time.Minute {
				t.Errorf("created_at = %v", got.CreatedAt)
			}
		})
	}
}

func TestSaveLeadRollsBackWithWorkInTheSameTransaction(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			boom := errors.New("queue unavailable")
			err := store.SaveLead(ctx, sampleLead(t), func(context.Context, models.Tx, *models.Lead) error { return boom })
			if !errors.Is(err, boom) {
				t.Fatalf("SaveLead error = %v, want %v", err, boom)
			}
			n, err := store.CountLeads(ctx)
			if err != nil || n != 0 {
				t.Fatalf("leads after rollback = %d (%v), want 0", n, err)
			}
		})
	}
}

func TestUnknownTokenIsNotFound(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			for _, token := range []string{"", "nope", "' OR 1=1 --"} {
				if _, err := store.LeadByToken(context.Background(), token); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("LeadByToken(%q) error = %v, want ErrNotFound", token, err)
				}
			}
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			applied, err := store.Migrate(context.Background())
			if err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			if len(applied) != 0 {
				t.Errorf("second Migrate applied %v, want nothing", applied)
			}
		})
	}
}

// TestSaveLeadWritesTheSameOnEveryDialect checks that PostgreSQL's
// one-statement save stores exactly what the row-by-row save does on
// SQLite, and that a form already saved or quarantined is a duplicate that
// writes nothing.
func TestSaveLeadWritesTheSameOnEveryDialect(t *testing.T) {
	type stored struct {
		Lead     models.Lead
		Activity []string
	}
	got := map[string]stored{}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			key := "form-key-1"
			lead := sampleLead(t)
			lead.Token, lead.SubmissionKey, lead.CreatedAt = "token-token-token-token-1", &key, at
			for i := range lead.Consents {
				lead.Consents[i].DecidedAt = at
			}
			lead.Consents[1].Granted = true
			if err := store.SaveLead(ctx, lead); err != nil {
				t.Fatalf("SaveLead: %v", err)
			}
			again := keyedLead(t, key)
			if err := store.SaveLead(ctx, again); !errors.Is(err, models.ErrDuplicateSubmission) || again.ID != 0 {
				t.Errorf("same form again: error %v, id %d; want ErrDuplicateSubmission", err, again.ID)
			}
			held := "form-key-2"
			if _, err := store.Quarantine(ctx, keyedLead(t, held), models.QuarantineTooFast); err != nil {
				t.Fatal(err)
			}
			if err := store.SaveLead(ctx, keyedLead(t, held)); !errors.Is(err, models.ErrDuplicateSubmission) {
				t.Errorf("form in quarantine: error %v; want ErrDuplicateSubmission", err)
			}
			if n, _ := store.CountLeads(ctx); n != 1 {
				t.Errorf("%d leads, want 1", n)
			}
			l, err := store.LeadByID(ctx, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := fmt.Sprintf("%+v", l.Emails), fmt.Sprintf("%+v", lead.Emails); len(l.Emails) != 2 || a != b {
				t.Errorf("emails stored %+v, returned %+v", l.Emails, lead.Emails)
			}
			acts, err := store.LeadActivity(ctx, lead.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, a := range acts {
				kinds = append(kinds, a.Kind+" "+a.CreatedAt.UTC().String())
			}
			if l.SubmissionKey == nil || *l.SubmissionKey != key || l.TeamSize == nil || *l.TeamSize != 12 {
				t.Errorf("submission key %v, team size %v", l.SubmissionKey, l.TeamSize)
			}
			l.SubmissionKey, l.TeamSize = nil, nil // pointers: compared above
			got[dialect] = stored{*l, kinds}
		})
	}
	pg, lite := got[models.Postgres], got[models.SQLite]
	if pg.Lead.ID == 0 || lite.Lead.ID == 0 {
		t.Skip("a dialect did not run")
	}
	if a, b := fmt.Sprintf("%+v", pg), fmt.Sprintf("%+v", lite); a != b {
		t.Errorf("stored differently:\npostgres %s\nsqlite   %s", a, b)
	}
}
