package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
)

// Queue is the job queue, kept in the same database as the leads so a lead
// and its emails commit together or not at all.
//
// On PostgreSQL the queue runs on pgx itself (riverpgxv5): its workers, and
// the inserts made in the pgx transaction that saves a new lead. A second,
// insert-only client on database/sql joins the transactions GORM runs
// (releasing a quarantined lead, resending an email), which pgx cannot.
// On the embedded SQLite one database/sql client does everything.
type Queue struct {
	pgx       *river.Client[pgx.Tx]  // PostgreSQL only
	sql       *river.Client[*sql.Tx] // inserts in database/sql transactions
	runner    runner                 // the client that works the jobs
	store     *models.Store
	working   bool
	transport Transport
}

// runner is what both kinds of river.Client do to start and stop.
type runner interface {
	Start(context.Context) error
	Stop(context.Context) error
	StopAndCancel(context.Context) error
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
	workers := river.NewWorkers()
	river.AddWorker(workers, &Worker{
		store: store, composer: wc.Composer, transport: wc.Transport, log: log, metrics: wc.Metrics,
		retryBase: wc.RetryBase, now: func() time.Time { return time.Now().UTC() },
	})
	logger := slog.New(quietHandler{log.Handler()})
	cfg := &river.Config{
		Logger:  logger,
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
	var err error
	switch store.Dialect() {
	case models.Postgres:
		driver := riverpgxv5.New(store.PgxPool())
		q.pgx, err = river.NewClient(driver, cfg)
		q.runner = q.pgx
		if err == nil {
			// Insert-only: no queues, never started.
			q.sql, err = river.NewClient(riverdatabasesql.New(store.SQLDB()), &river.Config{Logger: logger, Workers: workers})
		}
	case models.SQLite:
		driver := riversqlite.New(store.SQLDB())
		q.sql, err = river.NewClient(driver, cfg)
		q.runner = q.sql
	default:
		return nil, fmt.Errorf("mail: no queue driver for %s", store.Dialect())
	}
	if err != nil {
		return nil, fmt.Errorf("mail: create queue: %w", err)
	}
	q.store = store
	return q, nil
}

// MigrateQueue creates or updates the queue's tables in the store's
// database. Start-up runs it inside the store's migrate step (see
// models.Store.Migrate), so instances starting at once take turns.
func MigrateQueue(store *models.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		var err error
		switch store.Dialect() {
		case models.Postgres:
			// On a connection of its own: the store's may all be taken,
			// one of them by the lock its migrate step holds.
			cfg := store.PgxPool().Config()
			cfg.MaxConns = 1
			var pool *pgxpool.Pool
			if pool, err = pgxpool.NewWithConfig(ctx, cfg); err == nil {
				err = migrateWith(ctx, riverpgxv5.New(pool))
				pool.Close()
			}
		case models.SQLite:
			err = migrateWith(ctx, riversqlite.New(store.SQLDB()))
		default:
			err = fmt.Errorf("no queue driver for %s", store.Dialect())
		}
		if err != nil {
			return fmt.Errorf("queue migrations: %w", err)
		}
		return nil
	}
}

// migrateWith runs the queue's migrations through driver.
func migrateWith[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Migrate creates or updates the queue's tables (see MigrateQueue).
func (q *Queue) Migrate(ctx context.Context) error { return MigrateQueue(q.store)(ctx) }

// EnqueueLeadEmails queues every email of a lead inside the transaction
// that saves it; it is a models.TxHook.
func (q *Queue) EnqueueLeadEmails(ctx context.Context, tx models.Tx, lead *models.Lead) error {
	// One insert for all of them: a round trip per email would add to every
	// submission's time.
	jobs := make([]river.InsertManyParams, len(models.EmailKinds))
	for i, kind := range models.EmailKinds {
		jobs[i] = river.InsertManyParams{Args: EmailArgs{LeadID: lead.ID, EmailKind: kind}}
	}
	if err := q.insert(ctx, tx, jobs); err != nil {
		return fmt.Errorf("queue the emails: %w", err)
	}
	return nil
}

// EnqueueEmail queues one email of a lead inside tx; it is a models.EmailHook.
func (q *Queue) EnqueueEmail(ctx context.Context, tx models.Tx, leadID int64, kind string) error {
	if err := q.insert(ctx, tx, []river.InsertManyParams{{Args: EmailArgs{LeadID: leadID, EmailKind: kind}}}); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// insert adds jobs in tx, through the client that speaks its kind.
func (q *Queue) insert(ctx context.Context, tx models.Tx, jobs []river.InsertManyParams) error {
	var err error
	switch {
	case tx.Pgx != nil && q.pgx != nil:
		_, err = q.pgx.InsertManyTx(ctx, tx.Pgx, jobs)
	case tx.SQL != nil:
		_, err = q.sql.InsertManyTx(ctx, tx.SQL, jobs)
	default:
		err = errors.New("no transaction this queue can join")
	}
	return err
}

// Start runs the workers until Stop; an insert-only queue does nothing.
// Cancelling ctx does not stop them: River would cancel the emails being
// sent at once, and a shutdown must let them finish first (see Stop).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.runner.Start(context.WithoutCancel(ctx))
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
	err := q.runner.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.runner.StopAndCancel(stopCtx)
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
