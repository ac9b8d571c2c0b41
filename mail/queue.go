package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
)

// Queue is the job queue, kept in the same database as the leads so a lead
// and its emails commit together or not at all.
type Queue struct {
	client    *river.Client[*sql.Tx]
	driver    riverdriver.Driver[*sql.Tx]
	working   bool
	transport Transport
}

// WorkerConfig builds the email worker.
type WorkerConfig struct {
	Composer  *Composer
	Transport Transport
	// RetryBase is the first retry's delay (default 10s); tests shorten it.
	RetryBase time.Duration
	// Concurrency is how many emails one process sends at once; 0 makes
	// the queue insert-only, for a process that only takes submissions.
	Concurrency int
	// Metrics counts emails sent and failed; nil counts nothing.
	Metrics *metrics.Metrics
}

// NewQueue connects the queue to the store's database. On PostgreSQL,
// workers hear of new jobs at once through LISTEN/NOTIFY; on the embedded
// SQLite they poll every second.
func NewQueue(store *models.Store, wc WorkerConfig, log *slog.Logger) (*Queue, error) {
	if wc.Composer == nil || wc.Transport == nil {
		return nil, errors.New("mail: the queue needs a composer and a transport")
	}
	if wc.RetryBase <= 0 {
		wc.RetryBase = 10 * time.Second
	}
	q := &Queue{working: wc.Concurrency > 0, transport: wc.Transport}
	switch store.Dialect() {
	case models.Postgres:
		q.driver = riverdatabasesql.NewWithPgxListener(store.SQLDB(), store.PgxPool())
	case models.SQLite:
		q.driver = riversqlite.New(store.SQLDB())
	default:
		return nil, fmt.Errorf("mail: no queue driver for %s", store.Dialect())
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &Worker{
		store: store, composer: wc.Composer, transport: wc.Transport, log: log, metrics: wc.Metrics,
		retryBase: wc.RetryBase, now: func() time.Time { return time.Now().UTC() },
	})
	cfg := &river.Config{
		Logger:  slog.New(quietHandler{log.Handler()}),
		Workers: workers,
		// River fetches at most one batch of MaxWorkers jobs per cooldown;
		// its default (100 ms) would cap sending at 10 emails per second
		// per worker slot, far below what a mail server takes.
		FetchCooldown:        1 * time.Millisecond,
		JobTimeout:           2 * time.Minute,
		RescueStuckJobsAfter: 5 * time.Minute,
		PollOnly:             store.Dialect() == models.SQLite,
	}
	if q.working {
		cfg.Queues = map[string]river.QueueConfig{QueueName: {MaxWorkers: wc.Concurrency}}
	}
	client, err := river.NewClient(q.driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("mail: create queue: %w", err)
	}
	q.client = client
	return q, nil
}

// Migrate creates or updates the queue's tables.
func (q *Queue) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(q.driver, nil)
	if err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	return nil
}

// EnqueueLeadEmails queues every email of a lead inside the transaction
// that saves it; it is a models.TxHook.
func (q *Queue) EnqueueLeadEmails(ctx context.Context, tx *sql.Tx, lead *models.Lead) error {
	// One insert for all of them: a round trip per email would add to every
	// submission's time.
	jobs := make([]river.InsertManyParams, len(models.EmailKinds))
	for i, kind := range models.EmailKinds {
		jobs[i] = river.InsertManyParams{Args: EmailArgs{LeadID: lead.ID, EmailKind: kind}}
	}
	if _, err := q.client.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("queue the emails: %w", err)
	}
	return nil
}

// EnqueueEmail queues one email of a lead inside tx; it is a models.EmailHook.
func (q *Queue) EnqueueEmail(ctx context.Context, tx *sql.Tx, leadID int64, kind string) error {
	if _, err := q.client.InsertTx(ctx, tx, EmailArgs{LeadID: leadID, EmailKind: kind}, nil); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// Start runs the workers until Stop; an insert-only queue does nothing.
// Cancelling ctx does not stop them: River would cancel the emails being
// sent at once, and a shutdown must let them finish first (see Stop).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.client.Start(context.WithoutCancel(ctx))
}

// Stop lets emails being sent finish, up to ctx's deadline, then cancels
// the rest; a cancelled job is retried later, and one already accepted by
// the mail server is recorded as sent, so it is not sent twice.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	// The mail server's connections kept open between emails end last.
	if c, ok := q.transport.(io.Closer); ok {
		defer c.Close()
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.client.StopAndCancel(stopCtx)
	}
	return err
}

// quietHandler drops the queue's informational chatter, keeping warnings
// and errors in the application's log.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(a)}
}
func (h quietHandler) WithGroup(n string) slog.Handler { return quietHandler{h.Handler.WithGroup(n)} }
