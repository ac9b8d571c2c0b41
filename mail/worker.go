package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
)

// EmailArgs is a queued email: the lead and the kind of email, never any
// personal data, which the worker reads from the lead when it runs.
type EmailArgs struct {
	LeadID    int64  `json:"lead_id"`
	EmailKind string `json:"email_kind"`
}

// Kind names the job type in the queue.
func (EmailArgs) Kind() string { return "lead_email" }

// InsertOpts puts emails on their own queue with generous retries: about
// a day of backoff before an email is given up.
func (EmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 20}
}

// QueueName is the queue the email workers take jobs from.
const QueueName = "email"

// DefaultWorkers is how many emails one process sends at once unless
// MAIL_WORKERS says otherwise. Sending is mostly waiting: for the
// database, and for the mail server, whose answer takes tens of
// milliseconds over a network. Eight at once kept a local server twice as
// busy as four did, and stay under the ten connections that mail relays
// commonly allow one client.
const DefaultWorkers = 8

// Worker renders and sends one email per job.
type Worker struct {
	river.WorkerDefaults[EmailArgs]
	store     *models.Store
	composer  *Composer
	transport Transport
	log       *slog.Logger
	metrics   *metrics.Metrics // nil counts nothing
	peers     *peer.Comparer   // nil: the summary shows no benchmark
	// retryBase is the first retry's delay; each later one doubles, up to an hour.
	retryBase time.Duration
	now       func() time.Time
}

// Work sends the email unless it was already sent. A temporary failure
// (no connection, timeout, 4xx) returns an error so the queue retries with
// backoff; a permanent one (5xx) is recorded and not retried.
func (w *Worker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	args := job.Args
	// The lead and the email's delivery state, in one query.
	lead, err := w.store.LeadForEmail(ctx, args.LeadID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	var state *models.LeadEmail
	if lead != nil {
		for i := range lead.Emails {
			if lead.Emails[i].Kind == args.EmailKind {
				state = &lead.Emails[i]
			}
		}
	}
	if state == nil {
		return river.JobCancel(fmt.Errorf("lead %d has no %s email (erased?)", args.LeadID, args.EmailKind))
	}
	if state.SentAt != nil {
		// Sent on an earlier run that stopped before the queue recorded it.
		return nil
	}
	var bench *peer.Benchmark
	if args.EmailKind == models.EmailProspectSummary {
		// Worked out as the email is sent, like the rest of it.
		result := w.composer.Diagnostic.ResultFrom(lead.ScoreMap())
		if bench, err = w.peers.Compare(ctx, lead, result, true); err != nil {
			return fmt.Errorf("benchmark for lead %d: %w", args.LeadID, err)
		}
	}
	msg, err := w.composer.ComposeWithBenchmark(lead, args.EmailKind, w.now(), bench)
	if err != nil {
		return fmt.Errorf("compose %s for lead %d: %w", args.EmailKind, args.LeadID, err)
	}
	name := fmt.Sprintf("lead-%d-%s", lead.ID, args.EmailKind)
	sendErr := w.transport.Send(ctx, msg, name)
	at := w.now()
	if sendErr == nil {
		w.metrics.EmailSent(args.EmailKind)
		// Delivered: record it even if the queue is being stopped, or the
		// next run would send it again.
		if err := w.store.RecordEmailSent(context.WithoutCancel(ctx), args.LeadID, args.EmailKind, at); err != nil {
			return fmt.Errorf("record %s sent for lead %d: %w", args.EmailKind, args.LeadID, err)
		}
		w.log.Info("email sent", slog.Int64("lead_id", args.LeadID), slog.String("kind", args.EmailKind), slog.Int("attempt", job.Attempt))
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// The process is stopping and could not wait for the mail server:
		// not a delivery failure, so the email goes back to the queue as
		// it was, for the next run, without using up an attempt.
		w.log.Info("email interrupted by shutdown, queued again", slog.Int64("lead_id", args.LeadID), slog.String("kind", args.EmailKind))
		return river.JobSnooze(0)
	}

	w.metrics.EmailFailed(args.EmailKind)
	f := classify(sendErr)
	// The full reason may name the recipient: it goes to the lead's record,
	// where consultants see it, and never to logs or the queue.
	if err := w.store.RecordEmailFailure(ctx, args.LeadID, args.EmailKind, at, sendErr.Error(), f.permanent); err != nil {
		w.log.Error("record email failure", slog.Int64("lead_id", args.LeadID), slog.Any("error", err))
	}
	w.log.Warn("email not sent", slog.Int64("lead_id", args.LeadID), slog.String("kind", args.EmailKind),
		slog.Int("attempt", job.Attempt), slog.Bool("permanent", f.permanent), slog.String("reason", f.summary))
	failure := fmt.Errorf("send %s for lead %d: %s", args.EmailKind, args.LeadID, f.summary)
	if f.permanent {
		return river.JobCancel(failure)
	}
	return failure
}

// NextRetry doubles the delay from retryBase on each attempt, up to an hour.
func (w *Worker) NextRetry(job *river.Job[EmailArgs]) time.Time {
	delay := w.retryBase
	for i := 1; i < job.Attempt && delay < time.Hour; i++ {
		delay *= 2
	}
	return w.now().Add(min(delay, time.Hour))
}

// failure is a send error sorted for the queue and summed up without
// personal data.
type failure struct {
	permanent bool
	summary   string
}

// classify sorts a send error: the server's 5xx answers are permanent,
// everything else (4xx, refused or dropped connections, timeouts) may pass.
func classify(err error) failure {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		switch {
		case code >= 500 && code < 600 && !se.IsTemp():
			return failure{true, fmt.Sprintf("the mail server refused it for good (%d)", code)}
		case code >= 400:
			return failure{false, fmt.Sprintf("the mail server asked to try later (%d)", code)}
		}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return failure{false, "the mail server timed out"}
	case errors.As(err, &ne):
		return failure{false, "the mail server could not be reached"}
	}
	return failure{false, "the mail server could not take it"}
}
