package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestInstancesStartingAtOnceMigrateOnce runs `intake migrate` three times
// at the same moment on an empty PostgreSQL database, as three instances
// deployed together would: every one succeeds, and each migration, the
// email queue's included, is applied once. Each has one connection of its
// own, the least DATABASE_MAX_CONNS allows, which the lock then holds.
func TestInstancesStartingAtOnceMigrateOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	const instances = 3
	logs := make([]bytes.Buffer, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range instances {
		cmd := exec.Command(bin, "migrate")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "INTAKE_DATA_DIR="+t.TempDir(), "DATABASE_MAX_CONNS=1",
			"INTAKE_SECRET=the same secret on every instance, long enough")
		cmd.Stderr = &logs[i]
		wg.Go(func() {
			<-start
			errs[i] = cmd.Run()
		})
	}
	close(start)
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v\n%s", i, err, logs[i].String())
		}
		applied += strings.Count(logs[i].String(), "applied migration")
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions, rows, queueVersions int
	if err := db.QueryRow("SELECT COUNT(DISTINCT version), COUNT(*) FROM schema_migrations").Scan(&versions, &rows); err != nil {
		t.Fatal(err)
	}
	if rows != versions || applied != versions {
		t.Errorf("schema_migrations holds %d rows for %d versions, and the instances logged %d applied; want each applied once", rows, versions, applied)
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM river_migration").Scan(&queueVersions); err != nil || queueVersions == 0 {
		t.Errorf("the email queue's migrations did not run: %d recorded, %v", queueVersions, err)
	}
}

// TestOlderIntakeRefusesToStart: `intake migrate` on a database a newer
// intake has migrated stops with a message naming both versions.
func TestOlderIntakeRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	vars := env("INTAKE_DATA_DIR", dir)
	var out, errOut bytes.Buffer
	if code := run([]string{"migrate"}, vars, &out, &errOut); code != 0 {
		t.Fatalf("first migrate: exit %d: %s", code, errOut.String())
	}
	store, err := models.Open(context.Background(), "", dir, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.SQLDB().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_from_the_future.sql', CURRENT_TIMESTAMP)")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	code := run([]string{"migrate"}, vars, &out, &errOut)
	const want = "the database's schema is at version 999 (0999_from_the_future.sql), but this intake knows migrations only up to "
	if code != 1 || !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "run the newer intake, or restore a backup") {
		t.Errorf("migrate on a newer schema: exit %d, log:\n%s\nwant exit 1 and %q", code, errOut.String(), want)
	}
}

// TestInstancesMustShareTheSecret starts twice with one secret, then with
// another, which is refused before it changes the schema; neither secret
// is ever logged or stored.
func TestInstancesMustShareTheSecret(t *testing.T) {
	const first = "the first secret this database was used with"
	const other = "another secret, which a misconfigured instance has"
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			vars := []string{"INTAKE_DATA_DIR", dir}
			var dbURL string
			if dialect == models.Postgres {
				dbURL = modelstest.DatabaseURL(t)
				vars = append(vars, "DATABASE_URL", dbURL)
			}
			start := func(secret string) (int, string) {
				var out, errOut bytes.Buffer
				code := run([]string{"migrate"}, env(append(vars, "INTAKE_SECRET", secret)...), &out, &errOut)
				logs := out.String() + errOut.String()
				if strings.Contains(logs, first) || strings.Contains(logs, other) {
					t.Errorf("a secret was logged:\n%s", logs)
				}
				return code, logs
			}
			for i := range 2 {
				if code, logs := start(first); code != 0 {
					t.Fatalf("start %d with the first secret: exit %d:\n%s", i+1, code, logs)
				}
			}
			// A newer binary with another secret: the webhook tables are its
			// pending migration, which it must not apply.
			pending(t, dialect, dbURL, dir)
			code, logs := start(other)
			if n := webhookMigrations(t, dialect, dbURL, dir); n != 0 {
				t.Errorf("the refused instance applied its pending migration (%d rows for 0012)", n)
			}
			if code != 1 || !strings.Contains(logs, "INTAKE_SECRET differs from the one this database was first used with (fingerprint ") ||
				!strings.Contains(logs, "): give every instance the same INTAKE_SECRET") {
				t.Errorf("start with another secret: exit %d, log:\n%s\nwant exit 1 and the secret refused", code, logs)
			}
			if code, logs := start(first); code != 0 {
				t.Errorf("the first secret after the refusal: exit %d:\n%s", code, logs)
			}

			stored := storedText(t, dialect, dbURL, dir)
			for _, secret := range []string{first, other} {
				if strings.Contains(stored, secret) {
					t.Errorf("the database holds the secret %q", secret)
				}
			}
			if !strings.Contains(stored, secretFingerprint([]byte(first))) {
				t.Error("the database does not hold the first secret's fingerprint; the search for the secret looked in the wrong place")
			}
		})
	}
}

// storedText is everything the database holds, as text: every row of every
// table on PostgreSQL, the files themselves for the embedded SQLite.
func storedText(t *testing.T, dialect, dbURL, dir string) string {
	t.Helper()
	var all strings.Builder
	if dialect == models.SQLite {
		files, _ := filepath.Glob(filepath.Join(dir, "intake.db*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
		return all.String()
	}
	store, err := models.Open(context.Background(), dbURL, dir, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, row := range modelstest.AllRows(t, store) {
		all.WriteString(row + "\n")
	}
	return all.String()
}

// openQuietly opens the test's database without migrating it.
func openQuietly(t *testing.T, dbURL, dir string) *models.Store {
	t.Helper()
	store, err := models.Open(context.Background(), dbURL, dir, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// pending undoes migration 0012 (the webhook tables), as if the database
// were a release older than the binary about to start.
func pending(t *testing.T, dialect, dbURL, dir string) {
	t.Helper()
	store := openQuietly(t, dbURL, dir)
	defer store.Close()
	for _, q := range []string{"DROP TABLE webhook_deliveries", "DROP TABLE webhook_endpoints", "DELETE FROM schema_migrations WHERE version = 12"} {
		if _, err := store.SQLDB().Exec(q); err != nil {
			t.Fatalf("%s (%s): %v", q, dialect, err)
		}
	}
}

// webhookMigrations counts the schema_migrations rows of migration 0012.
func webhookMigrations(t *testing.T, dialect, dbURL, dir string) int {
	t.Helper()
	store := openQuietly(t, dbURL, dir)
	defer store.Close()
	var n int
	if err := store.SQLDB().QueryRow("SELECT count(*) FROM schema_migrations WHERE version = 12").Scan(&n); err != nil {
		t.Fatalf("count migration 0012 (%s): %v", dialect, err)
	}
	return n
}
