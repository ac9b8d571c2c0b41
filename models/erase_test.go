package models_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// insertOnlyQueue is the real email queue on the store's database, with no
// workers, so the jobs a saved lead queues stay in the queue's table.
func insertOnlyQueue(t *testing.T, store *models.Store) mail.Enqueuer {
	t.Helper()
	def := diagnostictest.Shipped(t)
	cons, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://intake.example.com")
	composer, err := mail.NewComposer(mail.ComposerConfig{
		Diagnostic: def, Consent: cons, BaseURL: base, ArticlePath: "/articles/leadership-vs-management",
		From:   &netmail.Address{Address: "hello@stellapop.example"},
		Team:   []*netmail.Address{{Address: "consultants@stellapop.example"}},
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	transport, err := mail.NewOutboxTransport(filepath.Join(t.TempDir(), "outbox"), log)
	if err != nil {
		t.Fatal(err)
	}
	_, emails := mailtest.NewQueue(t, store, mail.WorkerConfig{Composer: composer, Transport: transport}, 0)
	return emails
}

// pendingJobs counts a lead's email jobs that have not started.
func pendingJobs(t *testing.T, store *models.Store, leadID int64) int {
	t.Helper()
	leadIDExpr := "(args->>'lead_id')::bigint"
	if store.Dialect() == models.SQLite {
		leadIDExpr = "json_extract(args, '$.lead_id')"
	}
	var n int
	q := "SELECT count(*) FROM river_job WHERE kind = 'lead_email' AND state IN ('available', 'scheduled', 'retryable', 'pending') AND " + leadIDExpr + " = $1"
	if err := store.SQLDB().QueryRow(q, leadID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// foxMulder is a lead whose every personal detail is easy to search for.
func foxMulder(t testing.TB) *models.Lead {
	l := sampleLead(t)
	l.Name, l.Email, l.Company, l.Role = "Fox Mulder", "Fox.Mulder@XFiles.example", "Unexplained Bureau", "Special Agent"
	l.Source.Referrer = "https://www.linkedin.com/in/fox-mulder-1961"
	l.Consents[1].Granted = true // marketing, so there is a consent to withdraw
	return l
}

// foxNeedles are what must not be found anywhere once Fox Mulder is erased.
var foxNeedles = []string{"Fox Mulder", "Mulder@XFiles", "Unexplained Bureau", "Special Agent", "fox-mulder-1961"}

func TestEraseLeadRemovesPersonalDataEverywhere(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			queue := insertOnlyQueue(t, store)
			admin, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			fox, other := foxMulder(t), sampleLead(t)
			for _, l := range []*models.Lead{fox, other} {
				if err := store.SaveLead(ctx, l, queue.EnqueueLeadEmails); err != nil {
					t.Fatal(err)
				}
			}
			// A life in the workspace, leaving the lead's details in notes,
			// history and an email's last error.
			if _, err := store.AddLeadNote(ctx, fox.ID, admin.ID, "Called Fox Mulder at Unexplained Bureau."); err != nil {
				t.Fatal(err)
			}
			if err := store.SetLeadOwner(ctx, fox.ID, 1, &admin.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			if err := store.SetLeadStatus(ctx, fox.ID, 2, models.StatusContacted, admin.ID); err != nil {
				t.Fatal(err)
			}
			err = store.RecordEmailFailure(ctx, fox.ID, models.EmailProspectSummary, time.Now(), "450 4.2.0 <Fox.Mulder@XFiles.example>: mailbox busy", false)
			if err != nil {
				t.Fatal(err)
			}
			if found := modelstest.FindText(t, store, foxNeedles...); len(found) < 3 { // leads, lead_notes, lead_emails
				t.Fatalf("before erasure the scan finds only %q: it would prove nothing", found)
			}
			if n := pendingJobs(t, store, fox.ID); n != 2 {
				t.Fatalf("%d email jobs queued before erasure, want 2", n)
			}
			before, err := store.LeadByID(ctx, fox.ID)
			if err != nil {
				t.Fatal(err)
			}

			erased, err := store.EraseLead(ctx, fox.ID, admin.ID)
			if err != nil || !erased {
				t.Fatalf("EraseLead = %v, %v; want true, nil", erased, err)
			}

			for _, row := range modelstest.FindText(t, store, foxNeedles...) {
				t.Errorf("personal data left after erasure: %s", row)
			}
			if n := pendingJobs(t, store, fox.ID); n != 0 {
				t.Errorf("%d of the erased lead's email jobs still queued", n)
			}
			if n := pendingJobs(t, store, other.ID); n != 2 {
				t.Errorf("another lead's jobs: %d queued, want 2 untouched", n)
			}
			after, err := store.LeadByID(ctx, fox.ID)
			if err != nil {
				t.Fatalf("the erased lead no longer opens: %v", err)
			}
			checkKept(t, before, after)
			if _, err := store.LeadByToken(ctx, before.Token); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("the old result link still opens the erased lead: %v", err)
			}
			history, err := store.LeadActivity(ctx, fox.ID, -1)
			if err != nil {
				t.Fatal(err)
			}
			if n := countErased(history); n != 1 || history[0].Kind != models.ActivityErased ||
				history[0].ActorID == nil || *history[0].ActorID != admin.ID || history[0].Detail != "" {
				t.Errorf("history after erasure = %+v, want one erasure by the admin, without detail, newest", history[0])
			}
			if ok, err := store.IsSuppressed(ctx, "  fox.mulder@xfiles.EXAMPLE "); err != nil || !ok {
				t.Errorf("IsSuppressed(the erased address) = %v, %v; want true", ok, err)
			}
			if ok, _ := store.IsSuppressed(ctx, other.Email); ok {
				t.Error("another lead's address is suppressed")
			}
			if ok, _ := store.IsSuppressed(ctx, ""); ok {
				t.Error("the empty address is suppressed")
			}
			list, err := store.SuppressionList(ctx)
			if err != nil || list.Len() != 1 || !list.Has("fox.mulder@xfiles.example") {
				t.Errorf("SuppressionList = %+v, %v; want only the erased address", list, err)
			}

			// Twice is harmless: nothing new is recorded, nothing fails.
			again, err := store.EraseLead(ctx, fox.ID, admin.ID)
			if err != nil || again {
				t.Errorf("second EraseLead = %v, %v; want false, nil", again, err)
			}
			history, _ = store.LeadActivity(ctx, fox.ID, -1)
			if n := countErased(history); n != 1 {
				t.Errorf("%d erasures in the history after erasing twice, want 1", n)
			}
			kept, err := store.LeadByID(ctx, other.ID)
			if err != nil || kept.Name != other.Name || kept.Email != other.Email || kept.ErasedAt != nil || len(kept.Emails) != 2 {
				t.Errorf("another lead changed: %+v, %v", kept, err)
			}
			if _, err := store.EraseLead(ctx, fox.ID+other.ID+100, admin.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("erasing an unknown lead: %v, want ErrNotFound", err)
			}
		})
	}
}

// checkKept compares a lead before and after erasure: contact details gone,
// everything the dashboard counts still there.
func checkKept(t *testing.T, before, after *models.Lead) {
	t.Helper()
	if after.ErasedAt == nil || after.Name != models.ErasedName || after.Email != "" || after.Company != "" ||
		after.Role != "" || after.TeamSize != nil || after.Source.Referrer != "" || after.MarketingOptIn {
		t.Errorf("contact details after erasure: %+v", after)
	}
	if after.Band != before.Band || after.OverallIndex != before.OverallIndex || !after.CreatedAt.Equal(before.CreatedAt) ||
		after.Status != before.Status || after.DiagnosticVersion != before.DiagnosticVersion ||
		after.Source.UTMCampaign != before.Source.UTMCampaign || after.Source.LandingPage != before.Source.LandingPage ||
		len(after.Scores) != len(before.Scores) || len(after.Answers) != len(before.Answers) {
		t.Errorf("non-personal data changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if len(after.Emails) != 0 {
		t.Errorf("email states left: %+v", after.Emails)
	}
	if len(after.Consents) != len(before.Consents) {
		t.Fatalf("consents: %d, want %d kept", len(after.Consents), len(before.Consents))
	}
	for i, c := range after.Consents {
		b := before.Consents[i]
		if c.Wording != b.Wording || c.WordingSHA256 != b.WordingSHA256 || c.Granted != b.Granted || c.Active() {
			t.Errorf("consent %s after erasure: %+v, want its proof kept and no longer active", c.Purpose, c)
		}
	}
}

func countErased(history []models.Activity) int {
	n := 0
	for _, a := range history {
		if a.Kind == models.ActivityErased {
			n++
		}
	}
	return n
}
