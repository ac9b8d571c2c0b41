package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
)

// WorkerConfig builds the email worker.
type WorkerConfig struct {
	Composer  *Composer
	Transport Transport
	// RetryBase is the first retry's delay (default 10s); tests shorten it.
	RetryBase time.Duration
	// Metrics counts emails sent and failed; nil counts nothing.
	Metrics *metrics.Metrics
	// Peers adds the peer benchmark to the summary email; nil adds none.
	Peers *peer.Comparer
}

// AddWorker registers the email workers in workers: the lead's emails
// and the admins' notices. How many emails a
// process sends at once is the QueueName entry of its jobs.Config.Queues.
func AddWorker(workers *river.Workers, store *models.Store, wc WorkerConfig, log *slog.Logger) error {
	if wc.Composer == nil || wc.Transport == nil {
		return errors.New("mail: the email worker needs a composer and a transport")
	}
	if wc.RetryBase <= 0 {
		wc.RetryBase = 10 * time.Second
	}
	err := river.AddWorkerSafely(workers, &Worker{
		store: store, composer: wc.Composer, transport: wc.Transport, log: log, metrics: wc.Metrics, peers: wc.Peers,
		retryBase: wc.RetryBase, now: func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return err
	}
	return river.AddWorkerSafely(workers, &AdminNoticeWorker{store: store, composer: wc.Composer, transport: wc.Transport, log: log})
}

// Enqueuer queues a lead's emails on the job queue, inside the
// transaction of the change that causes them.
type Enqueuer struct{ Queue *jobs.Queue }

// EnqueueLeadEmails queues every email of a lead inside the transaction
// that saves it; it is a models.TxHook.
func (e Enqueuer) EnqueueLeadEmails(ctx context.Context, tx models.Tx, lead *models.Lead) error {
	jobs := make([]river.InsertManyParams, len(models.EmailKinds))
	for i, kind := range models.EmailKinds {
		jobs[i] = river.InsertManyParams{Args: EmailArgs{LeadID: lead.ID, EmailKind: kind}}
	}
	if err := e.Queue.Insert(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("queue the emails: %w", err)
	}
	return nil
}

// EnqueueEmail queues one email of a lead inside tx; it is a models.EmailHook.
func (e Enqueuer) EnqueueEmail(ctx context.Context, tx models.Tx, leadID int64, kind string) error {
	if err := e.Queue.Insert(ctx, tx, river.InsertManyParams{Args: EmailArgs{LeadID: leadID, EmailKind: kind}}); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}
