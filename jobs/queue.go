// Package jobs is Intake's job queue: River, kept in the same database as
// the leads, so a change and the jobs it causes (emails, webhook events)
// commit together or not at all. It also holds the periodic maintenance
// that must run once across every instance (see maintenance.go).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

	"github.com/stellapop/intake/models"
)

// Queue is the job queue of one process.
//
// On PostgreSQL the queue runs on pgx itself (riverpgxv5): its workers, and
// the inserts made in the pgx transaction that saves a new lead. A second,
// insert-only client on database/sql joins the transactions GORM runs
// (releasing a quarantined lead, resending an email), which pgx cannot.
// On the embedded SQLite one database/sql client does everything.
//
// Every working process takes part in River's leader election; only the
// leader schedules periodic jobs, so they run once across all instances.
type Queue struct {
	pgx     *river.Client[pgx.Tx]  // PostgreSQL only
	sql     *river.Client[*sql.Tx] // inserts in database/sql transactions
	runner  runner                 // the client that works the jobs
	store   *models.Store
	working bool
	onStop  []func()
}

// runner is what both kinds of river.Client do to start and stop.
type runner interface {
	Start(context.Context) error
	Stop(context.Context) error
	StopAndCancel(context.Context) error
}

// Config builds a queue.
type Config struct {
	// Workers holds every kind of job any process may insert: an
	// insert-only queue needs them too, to check the jobs it inserts.
	Workers *river.Workers
	// Queues maps each queue this process works to how many of its jobs
	// run at once. None makes the queue insert-only, for a process that
	// only takes submissions: it works no job and schedules none.
	Queues map[string]int
	// Periodic jobs are scheduled by whichever working process is the
	// leader; their own uniqueness keeps a change of leader from running
	// one twice in its period.
	Periodic []*river.PeriodicJob
	// OnStop runs after the workers have stopped (closing the connections
	// they kept open, say).
	OnStop []func()
	Log    *slog.Logger
}

// New connects a queue to the store's database. On PostgreSQL, workers
// hear of new jobs at once through LISTEN/NOTIFY; on the embedded SQLite
// they poll every second.
func New(store *models.Store, c Config) (*Queue, error) {
	if c.Workers == nil {
		return nil, errors.New("jobs: the queue needs its workers")
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{working: len(c.Queues) > 0, store: store, onStop: c.OnStop}
	logger := slog.New(quietHandler{c.Log.Handler()})
	cfg := &river.Config{
		Logger:  logger,
		Workers: c.Workers,
		// River fetches at most one batch of MaxWorkers jobs per cooldown;
		// its default (100 ms) would cap sending at 10 emails per second
		// per worker slot, far below what a mail server takes.
		FetchCooldown:        1 * time.Millisecond,
		JobTimeout:           2 * time.Minute,
		RescueStuckJobsAfter: 5 * time.Minute,
		PollOnly:             store.Dialect() == models.SQLite,
	}
	if q.working {
		cfg.Queues = make(map[string]river.QueueConfig, len(c.Queues))
		for name, n := range c.Queues {
			cfg.Queues[name] = river.QueueConfig{MaxWorkers: max(n, 1)}
		}
		cfg.PeriodicJobs = c.Periodic
	}
	var err error
	switch store.Dialect() {
	case models.Postgres:
		driver := riverpgxv5.New(store.PgxPool())
		q.pgx, err = river.NewClient(driver, cfg)
		q.runner = q.pgx
		if err == nil {
			// Insert-only: no queues, never started.
			q.sql, err = river.NewClient(riverdatabasesql.New(store.SQLDB()), &river.Config{Logger: logger, Workers: c.Workers})
		}
	case models.SQLite:
		driver := riversqlite.New(store.SQLDB())
		q.sql, err = river.NewClient(driver, cfg)
		q.runner = q.sql
	default:
		return nil, fmt.Errorf("jobs: no queue driver for %s", store.Dialect())
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: create queue: %w", err)
	}
	return q, nil
}

// Migrate creates or updates the queue's tables in the store's database.
// Start-up runs it inside the store's migrate step (see
// models.Store.Migrate), so instances starting at once take turns.
func Migrate(store *models.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		var err error
		switch store.Dialect() {
		case models.Postgres:
			// On a connection of its own: the store's may all be taken,
			// one of them by the lock its migrate step holds.
			cfg := store.PgxPool().Config()
			// MinConns too: a pool refuses more kept connections than its
			// most, and the store's pool may keep some.
			cfg.MaxConns, cfg.MinConns = 1, 0
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

// Insert adds jobs in tx, through the client that speaks its kind, in one
// statement: a round trip per job would add to every submission's time.
// When tx has a Batch (a new lead's hooks), the jobs join those the other
// hooks queue, all inserted in one statement once the last hook has run.
func (q *Queue) Insert(ctx context.Context, tx models.Tx, jobs ...river.InsertManyParams) error {
	if tx.Batch != nil {
		pending := tx.Batch.Defer(q, func() any { return new([]river.InsertManyParams) }, q.insertPending).(*[]river.InsertManyParams)
		*pending = append(*pending, jobs...)
		return nil
	}
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

// insertPending inserts the jobs a Batch gathered.
func (q *Queue) insertPending(ctx context.Context, tx models.Tx, pending any) error {
	jobs := *pending.(*[]river.InsertManyParams)
	if len(jobs) == 0 {
		return nil
	}
	if err := q.Insert(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("queue jobs: %w", err)
	}
	return nil
}

// Working says whether this process works jobs, or only inserts them.
func (q *Queue) Working() bool { return q.working }

// Start runs the workers until Stop; an insert-only queue does nothing.
// Cancelling ctx does not stop them: River would cancel the jobs being
// worked at once, and a shutdown must let them finish first (see Stop).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.runner.Start(context.WithoutCancel(ctx))
}

// Stop lets jobs being worked finish, up to ctx's deadline, then cancels
// the rest; a cancelled job is retried later.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	for _, f := range q.onStop {
		defer f()
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
