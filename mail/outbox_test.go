package mail_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestOutboxOnTheEmbeddedDefault: without a mail server, each email is a
// complete .eml file, written once however often the job runs.
func TestOutboxOnTheEmbeddedDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	transport, err := mail.NewOutboxTransport(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, modelstest.Open(t, models.SQLite), transport, nil)
	r.start()
	lead := r.saveLead(nil)
	r.waitFor("both emails in the outbox", 15*time.Second, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		return len(files) == 2
	})
	r.waitFor("both sends to be recorded", 10*time.Second, func() bool {
		return r.emailState(lead.ID, models.EmailProspectSummary).SentAt != nil &&
			r.emailState(lead.ID, models.EmailTeamNotification).SentAt != nil
	})
	r.requeue(lead)
	r.waitFor("the repeated jobs to finish", 15*time.Second, func() bool { return r.jobsIn("completed") == 4 })
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("outbox holds %v, want two .eml files", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := mailtest.Message{Data: b}
		if msg, _, _ := parts(t, m); msg.Header.Get("Subject") == "" || msg.Header.Get("To") == "" {
			t.Errorf("%s is not a complete message", f)
		}
	}
}
