package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// formClient is a browser-like client that keeps cookies and does not
// follow redirects.
func formClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// openForm GETs a page with a form and returns it with its CSRF token.
func openForm(t *testing.T, client *http.Client, address string) (page []byte, csrf string) {
	t.Helper()
	res, err := client.Get(address)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on %s", address)
	}
	return page, string(m[1])
}

// submit takes the diagnostic over HTTP as a browser without JavaScript
// would, and returns the result page's address.
func submit(t *testing.T, base, name, email string) string {
	t.Helper()
	client := formClient()
	page, csrf := openForm(t, client, base+"/diagnostic")
	form := url.Values{"_csrf": {csrf}, "name": {name}, "email": {email}, "company": {"Acme"},
		"role": {"Lead"}, "consent_summary": {"yes"}, "consent_marketing": {"yes"}}
	// The form's hidden fields go back as a browser sends them.
	for _, m := range regexp.MustCompile(`type="hidden" name="(submission|served)" value="([^"]*)"`).FindAllSubmatch(page, -1) {
		form.Set(string(m[1]), string(m[2]))
	}
	diagnostictest.Fill(form, diagnostictest.Shipped(t), diagnostictest.Varied)
	res, err := client.PostForm(base+"/diagnostic", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submission = %d, want 303", res.StatusCode)
	}
	return res.Header.Get("Location")
}

func TestSubmissionEmailsProspectAndTeam(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			smtp := mailtest.NewServer(t)
			base, a := startApp(t, dialect, "SMTP_URL", smtp.URL(), "TEAM_EMAIL", "a@stellapop.example, b@stellapop.example")
			loc := submit(t, base, "Grace Hopper", "grace@example.com")
			msgs := smtp.WaitForMessages(t, 2, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if len(smtp.Messages()) != 2 {
				t.Fatalf("%d messages, want 2", len(smtp.Messages()))
			}
			var recipients []string
			for _, m := range msgs {
				recipients = append(recipients, strings.Join(m.To, ","))
			}
			got := strings.Join(recipients, " | ")
			if !strings.Contains(got, "grace@example.com") || !strings.Contains(got, "a@stellapop.example,b@stellapop.example") {
				t.Errorf("recipients = %s", got)
			}
			lead, err := a.store.LeadByToken(context.Background(), strings.TrimPrefix(loc, "/results/"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range lead.Emails {
				if e.SentAt == nil {
					t.Errorf("%s not recorded as sent", e.Kind)
				}
			}
		})
	}
}

func TestFirstRunWritesEmailsToTheOutbox(t *testing.T) {
	dir := t.TempDir()
	base, _ := startApp(t, models.SQLite, "INTAKE_DATA_DIR", dir)
	submit(t, base, "Ada Lovelace", "ada@example.com")
	deadline := time.Now().Add(15 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		if len(files) == 2 {
			b, _ := os.ReadFile(files[0])
			if !bytes.Contains(b, []byte("Content-Type: multipart/alternative")) {
				t.Errorf("%s is not a complete message", files[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox holds %v, want two .eml files", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSeparateWorkerSendsWhatServeQueued runs the site with no workers and
// a separate `intake worker` on the same PostgreSQL, as on several machines.
func TestSeparateWorkerSendsWhatServeQueued(t *testing.T) {
	smtp := mailtest.NewServer(t)
	dbURL := modelstest.DatabaseURL(t)
	// Instances sharing a database share its secret; each would otherwise
	// generate its own into its data directory, and the second is refused.
	const secret = "one secret for every instance of this deployment"
	base, _ := startApp(t, models.Postgres, "DATABASE_URL", dbURL, "SMTP_URL", smtp.URL(), "MAIL_WORKERS", "0", "INTAKE_SECRET", secret)
	submit(t, base, "Katherine Johnson", "katherine@example.com")
	time.Sleep(1500 * time.Millisecond)
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("the site sent %d messages with MAIL_WORKERS=0", n)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "SMTP_URL": smtp.URL(), "INTAKE_DATA_DIR": t.TempDir(), "INTAKE_SECRET": secret}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.work(ctx) }()
	smtp.WaitForMessages(t, 2, 15*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker stopped with %v", err)
	}
}

func TestBrokenMailSettingsStopTheStart(t *testing.T) {
	for name, value := range map[string]string{
		"SMTP_URL":      "smtp://mail.example.com:99999",
		"MAIL_FROM":     "not an address",
		"TEAM_EMAIL":    "team@, other",
		"MAIL_REPLY_TO": "@@",
		"MAIL_WORKERS":  "-1",
	} {
		var out, errOut bytes.Buffer
		if code := run([]string{"serve"}, env(name, value), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), name) {
			t.Errorf("%s=%q: exit %d, %q; want 2 and a message naming it", name, value, code, errOut.String())
		}
	}
}
