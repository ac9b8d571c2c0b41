package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// newSiteWith is the site on store with dependencies changed by change
// (nil: as testDeps makes them).
func newSiteWith(t *testing.T, store *models.Store, change func(*handlers.Deps)) *site {
	t.Helper()
	deps := testDeps(t, store)
	if change != nil {
		change(&deps)
	}
	e, err := handlers.NewServer(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &site{t: t, url: srv.URL, store: store, def: deps.Diagnostic, echo: e, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func TestPrivacyPageStatesTheRetentionPeriod(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	for days, want := range map[int]string{
		0:    "730 days (about two years)", // unset: the default
		730:  "730 days (about two years)",
		365:  "365 days (about a year)",
		90:   "90 days (about three months)",
		30:   "30 days (about a month)",
		3650: "3650 days (about ten years)",
	} {
		s := newSiteWith(t, store, func(d *handlers.Deps) { d.RetentionDays = days })
		r := s.get("/privacy")
		if r.status != http.StatusOK {
			t.Fatalf("GET /privacy = %d", r.status)
		}
		wantBody(t, r, want, "unsubscribe link", "reply to any email from us", "version 2026-11-1",
			"we delete the address and keep only a keyed one-way fingerprint", "Their answers, pooled and undated",
			"only once at least 3 colleagues have answered", "a link that works for 30 days",
			"the invitations, the fingerprints kept with them and the team’s answers are erased too",
			"Store my answers and email me my summary.", `<link rel="canonical" href="https://intake.example.com/privacy">`)
		if n := strings.Count(r.body, "<h1"); n != 1 {
			t.Errorf("the page has %d h1 elements, want 1", n)
		}
	}
}

func TestPrivacyPageIsLinkedFromTheDiagnosticsConsents(t *testing.T) {
	s := newSite(t, models.SQLite)
	r := s.get("/diagnostic")
	consents := strings.Index(r.body, `class="consents"`)
	link := strings.Index(r.body, `href="/privacy"`)
	if consents < 0 || link < consents || link > strings.Index(r.body[consents:], "</fieldset>")+consents {
		t.Errorf("no link to /privacy among the consents of the diagnostic form")
	}
}

// queueJobs is the real email queue, without workers, so the jobs a saved
// lead queues stay in the database for erasure to cancel.
func queueJobs(t *testing.T, s *site) mail.Enqueuer {
	t.Helper()
	deps := testDeps(t, s.store)
	composer, err := mail.NewComposer(mail.ComposerConfig{
		Diagnostic: deps.Diagnostic, Consent: deps.Consent, BaseURL: deps.BaseURL, ArticlePath: handlers.ArticlePath,
		From: &netmail.Address{Address: "hello@stellapop.example"}, Team: []*netmail.Address{{Address: "team@stellapop.example"}},
		Secret: testSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	transport, err := mail.NewOutboxTransport(filepath.Join(t.TempDir(), "outbox"), log)
	if err != nil {
		t.Fatal(err)
	}
	_, emails := mailtest.NewQueue(t, s.store, mail.WorkerConfig{Composer: composer, Transport: transport}, 0)
	return emails
}

// saveFox stores Fox Mulder with queued emails, a note and a delivery
// error that quotes his address.
func (s *site) saveFox(q mail.Enqueuer, author *models.User) *models.Lead {
	s.t.Helper()
	ctx := context.Background()
	lead, _ := s.saveLead() // only for its answers, scores and consents
	fox := &models.Lead{
		Name: "Fox Mulder", Email: "Fox.Mulder@XFiles.example", Company: "Unexplained Bureau", Role: "Special Agent",
		DiagnosticVersion: lead.DiagnosticVersion, OverallIndex: 41, Band: lead.Band,
		Source: models.Source{Referrer: "https://www.linkedin.com/in/fox-mulder-1961", UTMCampaign: "autumn-2026"},
	}
	for _, a := range lead.Answers {
		fox.Answers = append(fox.Answers, models.Answer{QuestionID: a.QuestionID, Position: a.Position, Dimension: a.Dimension, QuestionText: a.QuestionText, Value: a.Value, Label: a.Label, Points: a.Points})
	}
	for _, sc := range lead.Scores {
		fox.Scores = append(fox.Scores, models.Score{Dimension: sc.Dimension, Position: sc.Position, Score: sc.Score})
	}
	for _, c := range lead.Consents {
		fox.Consents = append(fox.Consents, models.Consent{Purpose: c.Purpose, Granted: c.Granted, DecidedAt: c.DecidedAt, WordingVersion: c.WordingVersion, WordingSHA256: c.WordingSHA256, Wording: c.Wording})
	}
	if err := s.store.SaveLead(ctx, fox, q.EnqueueLeadEmails); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.store.AddLeadNote(ctx, fox.ID, author.ID, "Fox Mulder asked us to call him back."); err != nil {
		s.t.Fatal(err)
	}
	if err := s.store.RecordEmailFailure(ctx, fox.ID, models.EmailProspectSummary, time.Now(), "450 <Fox.Mulder@XFiles.example> busy", false); err != nil {
		s.t.Fatal(err)
	}
	return fox
}

var foxNeedles = []string{"Fox Mulder", "Mulder@XFiles", "Unexplained Bureau", "Special Agent", "fox-mulder-1961"}

// emailJobs counts a lead's email jobs that have not started.
func emailJobs(t *testing.T, store *models.Store, leadID int64) int {
	t.Helper()
	expr := "(args->>'lead_id')::bigint"
	if store.Dialect() == models.SQLite {
		expr = "json_extract(args, '$.lead_id')"
	}
	var n int
	q := "SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'pending') AND " + expr + " = $1"
	if err := store.SQLDB().QueryRow(q, leadID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEraseLeadThroughTheWorkspace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		q := queueJobs(t, s)
		consultant := s.signIn(models.RoleConsultant)
		fox := s.saveFox(q, consultant)
		path := "/admin/leads/" + itoa(fox.ID)
		before := s.lead(fox.ID)

		// Consultants work on leads but may not erase them or take their data.
		if r := s.get(path); strings.Contains(r.body, path+"/erase") || strings.Contains(r.body, "data.json") {
			t.Error("a consultant's lead page offers the privacy actions")
		}
		token := s.formToken(path)
		for _, r := range []response{s.get(path + "/erase"), s.post(path+"/erase", url.Values{"_csrf": {token}, "confirm": {"yes"}}), s.get(path + "/data.json")} {
			if r.status != http.StatusForbidden {
				t.Errorf("a consultant got %d, want 403", r.status)
			}
		}
		s.signOut()
		s.signIn(models.RoleAdmin)
		wantBody(t, s.get(path), `href="`+path+`/data.json"`, `href="`+path+`/erase"`)

		form := s.get(path + "/erase")
		if form.status != http.StatusOK {
			t.Fatalf("GET erase = %d", form.status)
		}
		wantBody(t, form, "Erase Fox Mulder? This cannot be undone.", "What is removed", "What is kept", `name="confirm"`)

		// Without the confirmation nothing happens.
		r := s.post(path+"/erase", url.Values{"_csrf": {s.formToken(path + "/erase")}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST erase without confirmation = %d, want 422", r.status)
		}
		wantBody(t, r, "Tick the box to confirm", `aria-invalid="true"`)
		if l := s.lead(fox.ID); l.Name != "Fox Mulder" || l.ErasedAt != nil {
			t.Fatalf("an unconfirmed erasure changed the lead: %+v", l)
		}

		r = s.post(path+"/erase", url.Values{"_csrf": {s.formToken(path + "/erase")}, "confirm": {"yes"}})
		wantRedirect(t, r, path)
		for _, row := range modelstest.FindText(t, s.store, foxNeedles...) {
			t.Errorf("personal data left after erasure: %s", row)
		}
		if n := emailJobs(t, s.store, fox.ID); n != 0 {
			t.Errorf("%d email jobs of the erased lead still queued", n)
		}
		after := s.lead(fox.ID)
		if after.Band != before.Band || after.OverallIndex != before.OverallIndex || !after.CreatedAt.Equal(before.CreatedAt) || len(after.Scores) != len(before.Scores) {
			t.Errorf("erasure lost the result: before %+v, after %+v", before, after)
		}
		page := s.get(path)
		if page.status != http.StatusOK || !strings.Contains(page.body, "Erased on") || strings.Contains(page.body, "mailto:") {
			t.Errorf("the erased lead's page = %d, want it open with \"Erased on\" and no contact details", page.status)
		}
		wantBody(t, page, "Personal data erased")

		// Twice is harmless.
		again := s.post(path+"/erase", url.Values{"_csrf": {s.formToken(path + "/erase")}, "confirm": {"yes"}})
		wantRedirect(t, again, path)
		wantBody(t, s.get(path+"/erase"), "Its personal data was erased on")

		unknown := "/admin/leads/" + itoa(fox.ID+1000)
		for _, r := range []response{s.get(unknown + "/erase"), s.post(unknown+"/erase", url.Values{"_csrf": {s.formToken(path)}, "confirm": {"yes"}}), s.get(unknown + "/data.json")} {
			if r.status != http.StatusNotFound {
				t.Errorf("an unknown lead got %d, want 404", r.status)
			}
		}
	})
}

func TestSubjectAccessDownloadsEverythingAboutALead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		admin := s.signIn(models.RoleAdmin)
		fox := s.saveFox(queueJobs(t, s), admin)
		r := s.get("/admin/leads/" + itoa(fox.ID) + "/data.json")
		if r.status != http.StatusOK {
			t.Fatalf("GET data.json = %d", r.status)
		}
		if got, want := r.header.Get("Content-Disposition"), `attachment; filename="lead-`+itoa(fox.ID)+`.json"`; got != want {
			t.Errorf("Content-Disposition = %q, want %q", got, want)
		}
		if r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("headers = %v, want JSON that is never cached", r.header)
		}
		if !strings.Contains(r.body, "\n  \"lead\": {") {
			t.Error("the JSON is not pretty-printed")
		}
		var got struct {
			Lead struct {
				Name, Email string
				Source      struct{ Referrer string }
			}
			Answers  []struct{ Question, Answer string }
			Consents []struct {
				Purpose, Wording string
				WordingSHA256    string    `json:"wording_sha256"`
				DecidedAt        time.Time `json:"decided_at"`
			}
			Emails []struct {
				Kind      string
				LastError string `json:"last_error"`
			}
			Notes    []struct{ Author, Body string }
			Activity []struct{ Kind, Text string }
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatal(err)
		}
		stored := s.lead(fox.ID)
		if got.Lead.Name != "Fox Mulder" || got.Lead.Email != fox.Email || got.Lead.Source.Referrer != fox.Source.Referrer {
			t.Errorf("lead = %+v", got.Lead)
		}
		if len(got.Answers) != len(stored.Answers) || got.Answers[0].Question != stored.Answers[0].QuestionText || got.Answers[0].Answer != stored.Answers[0].Label {
			t.Errorf("answers = %+v, want the %d stored", got.Answers, len(stored.Answers))
		}
		if len(got.Consents) != len(stored.Consents) || got.Consents[0].WordingSHA256 != stored.Consents[0].WordingSHA256 ||
			got.Consents[0].Wording != stored.Consents[0].Wording || got.Consents[0].DecidedAt.IsZero() {
			t.Errorf("consents = %+v, want each with its wording and SHA-256", got.Consents)
		}
		if len(got.Notes) != 1 || got.Notes[0].Author != admin.DisplayName() || !strings.Contains(got.Notes[0].Body, "call him back") {
			t.Errorf("notes = %+v", got.Notes)
		}
		if len(got.Emails) != 2 || !strings.Contains(got.Emails[0].LastError+got.Emails[1].LastError, "busy") {
			t.Errorf("emails = %+v", got.Emails)
		}
		if len(got.Activity) < 2 || got.Activity[len(got.Activity)-1].Kind != models.ActivityCreated {
			t.Errorf("activity = %+v, want the whole history back to its creation", got.Activity)
		}
	})
}
