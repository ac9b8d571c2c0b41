// Package modelstest gives tests a fresh, migrated database of either dialect:
// a new PostgreSQL database per test (from TEST_DATABASE_URL) or a new SQLite
// file in the test's temporary directory.
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

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

// DatabaseURL creates an empty PostgreSQL database that is dropped when the
// test ends, and returns its URL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
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

// Open returns a migrated store of the given dialect, closed when the test ends.
func Open(t testing.TB, dialect string) *models.Store {
	t.Helper()
	ctx := context.Background()
	var dbURL string
	dir := t.TempDir()
	if dialect == models.Postgres {
		dbURL = DatabaseURL(t)
	}
	store, err := models.Open(ctx, dbURL, dir, models.Options{})
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", dialect, err)
	}
	return store
}
