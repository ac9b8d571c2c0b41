// Package models holds Intake's storage: the GORM models, the queries that use
// them and the versioned migrations. Nothing here speaks HTTP: callers get
// sentinel errors such as ErrNotFound.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects Intake runs on.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// ErrNotFound is returned when the record asked for does not exist.
var ErrNotFound = errors.New("not found")

// Options tune how the database is opened.
type Options struct {
	// MaxOpenConns caps PostgreSQL connections; 0 means 10.
	MaxOpenConns int
	// SuppressionKey keys the suppression list's hashes (see
	// SuppressionKey); without it the list can be neither read nor written.
	SuppressionKey []byte
	// WithoutSummaryUpkeep saves new leads on PostgreSQL without adding
	// them to the summary tables: only for the benchmark that measures
	// what the upkeep costs a submission. The summaries go wrong with it.
	WithoutSummaryUpkeep bool
}

// Store is the one handle on the database that the rest of Intake uses.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	pool    *pgxpool.Pool // PostgreSQL only: new leads, email jobs and the queue use it directly
	dialect string
	// suppressionKey keys the suppression list (Options.SuppressionKey).
	suppressionKey []byte
	// rateCleared is the last minute whose past rate-limit counts this
	// instance cleared (see CountRequest).
	rateCleared atomic.Int64
	// leadEvents queues the webhook events of each change to a lead in the
	// change's transaction (see OnLeadEvents); targets caches the enabled
	// webhook endpoints it looks up per change.
	leadEvents LeadEventHook
	targets    endpointCache
	// insertLeadStmt is the statement that saves a lead on PostgreSQL:
	// insertLeadSQL, or without its summary parts (WithoutSummaryUpkeep).
	insertLeadStmt string
}

// Open connects to PostgreSQL when databaseURL is set, or else to the embedded
// SQLite file intake.db inside dataDir, creating it on first run.
func Open(ctx context.Context, databaseURL, dataDir string, opts Options) (*Store, error) {
	open := func() (*Store, error) { return openSQLite(ctx, filepath.Join(dataDir, "intake.db")) }
	if databaseURL != "" {
		open = func() (*Store, error) { return openPostgres(ctx, databaseURL, opts) }
	}
	s, err := open()
	if err != nil {
		return nil, err
	}
	s.suppressionKey = opts.SuppressionKey
	s.insertLeadStmt = insertLeadSQL
	if opts.WithoutSummaryUpkeep {
		s.insertLeadStmt = insertLeadWithoutStatsSQL()
	}
	return s, nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction:                   true,
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	}
}

func openPostgres(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	maxConns := opts.MaxOpenConns
	if maxConns <= 0 {
		maxConns = 10
	}
	cfg.MaxConns = int32(maxConns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{db: db, sqlDB: sqlDB, pool: pool, dialect: Postgres}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("reach postgres: %w", err)
	}
	return s, nil
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer, and a single connection keeps
	// every statement on the same WAL snapshot and away from SQLITE_BUSY.
	sqlDB.SetMaxOpenConns(1)
	s := &Store{db: db, sqlDB: sqlDB, dialect: SQLite}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() string { return s.dialect }

// SQLDB exposes the connection pool for components that share the store's
// database, such as the job queue.
func (s *Store) SQLDB() *sql.DB { return s.sqlDB }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.sqlDB.PingContext(ctx)
}

// Close releases every connection.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// PgxPool is the PostgreSQL pool behind the store, for the job queue and
// the pool metrics; nil on SQLite.
func (s *Store) PgxPool() *pgxpool.Pool { return s.pool }
