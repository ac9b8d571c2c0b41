package mail_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestAdminNoticeGoesToEveryActiveAdmin: a notice reaches each admin who
// may sign in, in one message, and nobody else.
func TestAdminNoticeGoesToEveryActiveAdmin(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			ctx := context.Background()
			for _, u := range []struct{ email, role string }{
				{"ana@stellapop.example", models.RoleAdmin},
				{"ben@stellapop.example", models.RoleAdmin},
				{"cy@stellapop.example", models.RoleConsultant},
				{"dee@stellapop.example", models.RoleAdmin},
			} {
				user, err := r.store.CreateUser(ctx, u.email, "", u.role, "correct horse battery staple")
				if err != nil {
					t.Fatal(err)
				}
				if u.email == "dee@stellapop.example" {
					if err := r.store.SetUserDisabled(ctx, user.ID, true); err != nil {
						t.Fatal(err)
					}
				}
			}
			err := r.store.InTx(ctx, func(ctx context.Context, tx models.Tx) error {
				return mail.QueueAdminNotice(ctx, r.queue, tx, mail.AdminNoticeArgs{Subject: "Webhook endpoint 7 disabled", Text: "Why: it answered 410."})
			})
			if err != nil {
				t.Fatal(err)
			}
			r.start()
			msgs := r.smtp.WaitForMessages(t, 1, 10*time.Second)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			to := slices.Clone(msgs[0].To)
			slices.Sort(to)
			if want := []string{"ana@stellapop.example", "ben@stellapop.example"}; !slices.Equal(to, want) {
				t.Errorf("sent to %v, want %v (active admins only)", to, want)
			}
			m, err := msgs[0].Parse()
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Header.Get("Subject"); got != "Webhook endpoint 7 disabled" {
				t.Errorf("subject %q", got)
			}
			if !strings.Contains(string(msgs[0].Data), "it answered 410") {
				t.Errorf("body lacks the reason:\n%s", msgs[0].Data)
			}
		})
	}
}
