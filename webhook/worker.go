package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// FailingDisableAfter is how long an endpoint may fail without a success
// in between before it is disabled and the admins are told.
const FailingDisableAfter = 3 * 24 * time.Hour

// WorkerConfig builds the delivery worker.
type WorkerConfig struct {
	Definition *diagnostic.Definition // the export's score columns
	BaseURL    *url.URL               // result and lead-page links
	// AllowPrivate is WEBHOOK_ALLOW_PRIVATE_NETWORKS.
	AllowPrivate bool
	// Workers is how many deliveries the process makes at once
	// (WEBHOOK_WORKERS; default DefaultWorkers): the sender keeps as many
	// connections open to a receiver between deliveries.
	Workers int
	// Timeout bounds one attempt (default DefaultTimeout); tests shorten it.
	Timeout time.Duration
	// RetryBase is the first retry's delay (default 10 s); each later one
	// doubles, up to 360 times it (an hour by default). Tests shorten it.
	RetryBase time.Duration
	Log       *slog.Logger

	// dialCheck runs after the guard has allowed an address, before the
	// socket connects: tests make sure nothing else is reached.
	dialCheck func(network, address string) error
}

// Worker delivers one event to one endpoint per job and logs each attempt.
type Worker struct {
	river.WorkerDefaults[WebhookArgs]
	store     *models.Store
	queue     *jobs.Queue // queues the admins' email; see UseQueue
	bodies    bodies
	sender    *sender
	timeout   time.Duration
	retryBase time.Duration
	log       *slog.Logger
	now       func() time.Time
	// retryAfter holds, from Work to NextRetry, the wait a receiver asked
	// for, by job id: River asks NextRetry right after Work fails.
	retryAfter sync.Map
}

// AddWorker registers the delivery worker in workers. How many deliveries
// a process makes at once is the QueueName entry of its jobs.Config.Queues.
// Call UseQueue on it once the queue is built.
func AddWorker(workers *river.Workers, store *models.Store, wc WorkerConfig) (*Worker, error) {
	if wc.Definition == nil || wc.BaseURL == nil {
		return nil, errors.New("webhook: the delivery worker needs the diagnostic and the base URL")
	}
	if wc.Timeout <= 0 {
		wc.Timeout = DefaultTimeout
	}
	if wc.RetryBase <= 0 {
		wc.RetryBase = 10 * time.Second
	}
	if wc.Log == nil {
		wc.Log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{
		store: store, log: wc.Log, timeout: wc.Timeout, retryBase: wc.RetryBase,
		bodies: bodies{def: wc.Definition, baseURL: strings.TrimRight(wc.BaseURL.String(), "/")},
		sender: newSender(wc.AllowPrivate, wc.Timeout, wc.Workers, wc.dialCheck),
		now:    func() time.Time { return time.Now().UTC() },
	}
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, err
	}
	return w, nil
}

// UseQueue gives the worker the queue it queues the admins' email on when
// it disables an endpoint. The queue is built after its workers, hence
// this second step; call it before the queue starts.
func (w *Worker) UseQueue(q *jobs.Queue) { w.queue = q }

// Timeout lets an attempt use its whole time, and the log its write.
func (w *Worker) Timeout(*river.Job[WebhookArgs]) time.Duration { return w.timeout + 30*time.Second }

// Work makes one attempt. A success, or a failure that retrying cannot
// mend (410, another 4xx, a redirect, a refused address), ends the job; a
// connection error, a timeout, 408, 429 and 5xx are retried with backoff.
func (w *Worker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	a := job.Args
	var leadID int64
	if a.aboutLead() {
		leadID = a.LeadID
	}
	ep, lead, err := w.store.WebhookDeliveryData(ctx, a.EndpointID, leadID)
	if ep == nil {
		if errors.Is(err, models.ErrNotFound) {
			return river.JobCancel(fmt.Errorf("endpoint %d was deleted", a.EndpointID))
		}
		return err
	}
	if ep.Disabled() && a.EventType != Test {
		// Quietly: the endpoint's page says it is disabled, and why.
		return river.JobCancel(fmt.Errorf("endpoint %d is disabled", ep.ID))
	}
	body, err := w.body(ep, a, lead, err)
	if err != nil {
		return err
	}
	if body == nil {
		return nil // nothing to say to this endpoint (see body)
	}

	now := w.now()
	header := http.Header{}
	if SignsDeliveries(ep.Kind) {
		if err := signHeaders(header, ep.SigningSecrets(now), a.EventID, now, body); err != nil {
			return river.JobCancel(fmt.Errorf("endpoint %d: %w", ep.ID, err))
		}
	}
	start := time.Now()
	ans := w.sender.post(ctx, ep.URL, header, body, now)
	took := time.Since(start)
	if ans.status == 0 && errors.Is(ctx.Err(), context.Canceled) {
		// The process is stopping: not the receiver's failure. Back to the
		// queue as it was, without using up an attempt.
		return river.JobSnooze(0)
	}
	out := judge(ans)
	d := &models.WebhookDelivery{
		EndpointID: ep.ID, EventID: a.EventID, EventType: a.EventType, Attempt: job.Attempt,
		StatusCode: ans.status, DurationMS: int(took.Milliseconds()), Succeeded: out.ok,
		Response: ans.body, Error: out.reason, OccurredAt: &a.OccurredAt, CreatedAt: now,
	}
	if a.LeadID != 0 {
		d.LeadID = &a.LeadID
	}
	if len(a.Data) > 0 {
		if b, err := json.Marshal(a.Data); err == nil {
			d.EventData = string(b)
		}
	}
	// Recorded even if the queue is stopping: the attempt was made.
	rctx := context.WithoutCancel(ctx)
	ep, err = w.store.RecordWebhookAttempt(rctx, d)
	if err != nil {
		w.log.Error("record webhook delivery", slog.Int64("endpoint_id", d.EndpointID), slog.Any("error", err))
	}
	if out.ok {
		return nil
	}
	w.log.Warn("webhook not delivered", slog.Int64("endpoint_id", d.EndpointID), slog.String("event", a.EventType),
		slog.Int("attempt", job.Attempt), slog.Int("status", ans.status), slog.String("reason", out.reason))
	switch {
	case ans.status == http.StatusGone:
		w.disable(rctx, d.EndpointID, "the receiver answered 410 Gone: it no longer wants these events")
	case ep != nil && ep.FailingSince != nil && now.Sub(*ep.FailingSince) >= FailingDisableAfter:
		w.disable(rctx, d.EndpointID, fmt.Sprintf("every delivery failed for three days, since %s", ep.FailingSince.UTC().Format(time.RFC3339)))
		return river.JobCancel(errors.New(out.reason))
	}
	if !out.retry {
		return river.JobCancel(errors.New(out.reason))
	}
	if ans.retryAfter > 0 && job.Attempt < job.MaxAttempts { // River asks NextRetry only if there is a next try
		w.retryAfter.Store(job.ID, ans.retryAfter)
	}
	return errors.New(out.reason)
}

// aboutLead says whether the event's body tells of its lead, which the
// delivery reads: lead.erased names only the id, a test event none.
func (a WebhookArgs) aboutLead() bool { return a.EventType != Test && a.EventType != LeadErased }

// body is what to send to ep for a, given the lead read for it (nil for
// an event that is not about one) and the error reading it, or nil when there
// is nothing to send: the lead was erased before a lead event about it
// went out (lead.erased follows, and its details are gone), or a Slack
// endpoint is offered another event than lead.created.
func (w *Worker) body(ep *models.WebhookEndpoint, a WebhookArgs, lead *models.Lead, leadErr error) ([]byte, error) {
	if a.aboutLead() {
		if ep.Kind == models.WebhookSlack && a.EventType != LeadCreated {
			return nil, nil
		}
		if errors.Is(leadErr, models.ErrNotFound) {
			return nil, river.JobCancel(fmt.Errorf("lead %d no longer exists", a.LeadID))
		}
		if leadErr != nil {
			return nil, leadErr
		}
		if lead.ErasedAt != nil {
			return nil, nil
		}
	}
	var body []byte
	var err error
	if ep.Kind == models.WebhookSlack {
		body, err = w.bodies.slack(a, lead)
	} else {
		body, err = w.bodies.standard(a, lead)
	}
	if err != nil {
		return nil, river.JobCancel(err)
	}
	return body, nil
}

// disable stops deliveries to an endpoint and queues the admins' email,
// once however many deliveries fail together.
func (w *Worker) disable(ctx context.Context, id int64, reason string) {
	var target string
	if ep, err := w.store.WebhookEndpointByID(ctx, id); err == nil {
		if u, err := url.Parse(ep.URL); err == nil {
			target = u.Scheme + "://" + u.Host // the path may hold a token (Slack's does)
		}
	}
	done, err := w.store.DisableWebhookEndpointOnce(ctx, id, reason, w.now(), func(ctx context.Context, tx models.Tx) error {
		if w.queue == nil {
			return nil
		}
		return mail.QueueAdminNotice(ctx, w.queue, tx, mail.AdminNoticeArgs{
			Subject: fmt.Sprintf("Webhook endpoint %d disabled", id),
			Text: fmt.Sprintf("Intake stopped delivering lead events to webhook endpoint %d (%s).\n\nWhy: %s.\n\n"+
				"Its delivery log on the integrations page shows each attempt. Once the receiver is fixed, enable the endpoint again there; "+
				"deliveries it missed can be sent again from the log.\n", id, target, reason),
		})
	})
	if err != nil {
		w.log.Error("disable webhook endpoint", slog.Int64("endpoint_id", id), slog.Any("error", err))
		return
	}
	if done {
		w.log.Warn("webhook endpoint disabled", slog.Int64("endpoint_id", id), slog.String("reason", reason))
	}
}

// NextRetry doubles the delay from retryBase on each attempt, up to 360
// times it, and waits at least as long as the receiver's Retry-After.
func (w *Worker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	delay := Backoff(w.retryBase, job.Attempt)
	if v, ok := w.retryAfter.LoadAndDelete(job.ID); ok {
		delay = max(delay, v.(time.Duration))
	}
	return w.now().Add(delay)
}

// Backoff is the wait after the given failed attempt (1 is the first):
// base doubled per attempt, at most 360 times base.
func Backoff(base time.Duration, attempt int) time.Duration {
	delay, ceiling := base, 360*base
	for i := 1; i < attempt && delay < ceiling; i++ {
		delay *= 2
	}
	return min(delay, ceiling)
}

// outcome is an attempt judged.
type outcome struct {
	ok, retry bool
	reason    string // for the log: the error, or the status
}

// judge sorts an answer by the delivery rules.
func judge(a answer) outcome {
	s := a.status
	switch {
	case s == 0 && errors.Is(a.err, ErrRefusedAddress):
		return outcome{reason: a.err.Error()}
	case s == 0:
		reason := "no answer"
		if a.err != nil {
			reason = a.err.Error()
		}
		return outcome{retry: true, reason: reason}
	case s >= 200 && s < 300:
		return outcome{ok: true}
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500:
		return outcome{retry: true, reason: fmt.Sprintf("HTTP %d %s", s, http.StatusText(s))}
	case s >= 300 && s < 400:
		return outcome{reason: fmt.Sprintf("HTTP %d %s: redirects are not followed", s, http.StatusText(s))}
	}
	return outcome{reason: fmt.Sprintf("HTTP %d %s", s, http.StatusText(s))}
}
