package mail

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/models"
)

// AdminNoticeArgs is one email to every active admin about the portal
// itself, such as an integration it stopped delivering to. It holds no
// lead's personal data.
type AdminNoticeArgs struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Kind names the job type in the queue.
func (AdminNoticeArgs) Kind() string { return "admin_notice" }

// InsertOpts sends it with the other emails, retried as they are.
func (AdminNoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 20}
}

// QueueAdminNotice queues a notice to the admins inside tx.
func QueueAdminNotice(ctx context.Context, q *jobs.Queue, tx models.Tx, n AdminNoticeArgs) error {
	if err := q.Insert(ctx, tx, river.InsertManyParams{Args: n}); err != nil {
		return fmt.Errorf("queue admin notice: %w", err)
	}
	return nil
}

// AdminNoticeWorker sends an AdminNoticeArgs as one plain-text message
// addressed to every active admin, so a retry sends it once more to all
// rather than again to some.
type AdminNoticeWorker struct {
	river.WorkerDefaults[AdminNoticeArgs]
	store     *models.Store
	composer  *Composer
	transport Transport
	log       *slog.Logger
}

// Work sends the notice; with no active admin there is nobody to tell.
func (w *AdminNoticeWorker) Work(ctx context.Context, job *river.Job[AdminNoticeArgs]) error {
	admins, err := w.store.ActiveAdmins(ctx)
	if err != nil {
		return err
	}
	if len(admins) == 0 {
		w.log.Warn("admin notice not sent: no active admin", slog.String("subject", job.Args.Subject))
		return nil
	}
	to := make([]*netmail.Address, len(admins))
	for i, a := range admins {
		to[i] = &netmail.Address{Name: headerText(a.Name), Address: a.Email}
	}
	msg := w.composer.AdminNotice(to, job.Args.Subject, job.Args.Text, time.Now().UTC())
	if err := w.transport.Send(ctx, msg, fmt.Sprintf("admin-notice-%d", job.ID)); err != nil {
		return fmt.Errorf("send admin notice: %s", classify(err).summary)
	}
	w.log.Info("admin notice sent", slog.String("subject", job.Args.Subject), slog.Int("admins", len(admins)))
	return nil
}

// AdminNotice builds a plain-text message to the admins.
func (c *Composer) AdminNotice(to []*netmail.Address, subject, text string, now time.Time) *gomail.Msg {
	msg := gomail.NewMsg()
	msg.FromMailAddress(c.From)
	msg.ToMailAddress(to...)
	msg.Subject(headerText(subject))
	msg.SetDateWithValue(now)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, text)
	return msg
}
