// Package modelstest gives tests a fresh, migrated database of either dialect:
// a new PostgreSQL database per test (from TEST_DATABASE_URL) or a new SQLite
// file in the test's temporary directory.
//
// Every test that needs PostgreSQL comes through NeedPostgres: on a machine
// without it, the PostgreSQL tests skip and the SQLite ones still run,
// unless INTAKE_PG_TESTS=required (as in `make test`), which fails them.
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/stellapop/intake/models"
)

// DefaultPostgresURL is where tests find PostgreSQL when TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects lists every database the suite runs against.
var Dialects = []string{models.Postgres, models.SQLite}

// AdminURL is the PostgreSQL server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresTestsEnv set to "required" makes a missing PostgreSQL fail the
// tests that need it instead of skipping them.
const PostgresTestsEnv = "INTAKE_PG_TESTS"

// reachability is whether the server at AdminURL answered, asked once per
// test process so that a missing server costs one try, not one per test.
var reachability = sync.OnceValue(func() error {
	err := ping(AdminURL())
	if err != nil && os.Getenv(PostgresTestsEnv) != "required" {
		fmt.Fprintf(os.Stderr, "PostgreSQL not reachable at %s: skipping PostgreSQL tests (%s=required makes this a failure)\n",
			redacted(AdminURL()), PostgresTestsEnv)
	}
	return err
})

func ping(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// redacted is a server URL fit for a log: without its password.
func redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "TEST_DATABASE_URL (unparsable)"
	}
	return u.Redacted()
}

// NeedPostgres lets the test go on only when the PostgreSQL server at
// AdminURL answers; otherwise it skips the test, or fails it when
// INTAKE_PG_TESTS=required.
func NeedPostgres(t testing.TB) {
	t.Helper()
	if err := reachability(); err != nil {
		PostgresUnavailable(t, fmt.Sprintf("PostgreSQL not reachable at %s: %v", redacted(AdminURL()), err))
	}
}

// PostgresUnavailable ends a test that needs PostgreSQL this machine cannot
// give it (no server, no server binaries): a skip, or a failure when
// INTAKE_PG_TESTS=required.
func PostgresUnavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(PostgresTestsEnv) == "required" {
		t.Fatalf("%s; %s=required (as in `make test`) needs it", why, PostgresTestsEnv)
	}
	t.Skip(why)
}

// DatabaseURL creates an empty PostgreSQL database that is dropped when the
// test ends, and returns its URL. Without a reachable server it skips the
// test (see NeedPostgres).
func DatabaseURL(t testing.TB) string {
	t.Helper()
	NeedPostgres(t)
	admin := AdminURL()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open %s: %v", admin, err)
	}
	defer db.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "intake_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database (is PostgreSQL running at %s? `make test` starts it): %v", admin, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Secret stands for INTAKE_SECRET in tests: Open derives the suppression
// list's key from it as the app does.
const Secret = "a test secret, long enough to sign with"

// Open returns a migrated store of the given dialect, closed when the test ends.
func Open(t testing.TB, dialect string) *models.Store {
	t.Helper()
	ctx := context.Background()
	var dbURL string
	dir := t.TempDir()
	if dialect == models.Postgres {
		dbURL = DatabaseURL(t)
	}
	store, err := models.Open(ctx, dbURL, dir, models.Options{SuppressionKey: models.SuppressionKey([]byte(Secret))})
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", dialect, err)
	}
	return store
}
