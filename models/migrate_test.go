package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestMigrationsTakeTurnsOnPostgres starts the migrate step of several
// instances at the same moment on an empty database: every one succeeds,
// each migration is applied once, and no two instances are ever inside the
// step (the email queue's migrations included) together.
func TestMigrationsTakeTurnsOnPostgres(t *testing.T) {
	dbURL := modelstest.DatabaseURL(t)
	ctx := context.Background()
	const instances = 4
	stores := make([]*models.Store, instances)
	for i := range stores {
		store, err := models.Open(ctx, dbURL, t.TempDir(), models.Options{MaxOpenConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		stores[i] = store
	}

	var inside, overlaps atomic.Int32
	queueStep := func(context.Context) error {
		if inside.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(50 * time.Millisecond) // long enough for a second instance to get in, were it let
		inside.Add(-1)
		return nil
	}
	start := make(chan struct{})
	applied := make([][]string, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i, store := range stores {
		wg.Go(func() {
			<-start
			applied[i], errs[i] = store.Migrate(ctx, queueStep)
		})
	}
	close(start)
	wg.Wait()

	total := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
		total += len(applied[i])
	}
	if overlaps.Load() > 0 {
		t.Errorf("%d instances ran the migrate step alongside another", overlaps.Load())
	}
	var versions, rows int
	if err := stores[0].SQLDB().QueryRowContext(ctx,
		"SELECT COUNT(DISTINCT version), COUNT(*) FROM schema_migrations").Scan(&versions, &rows); err != nil {
		t.Fatal(err)
	}
	if rows != versions || total != versions {
		t.Errorf("schema_migrations holds %d rows for %d versions, and the instances applied %d migrations; want each version applied and recorded once",
			rows, versions, total)
	}
}

// TestOlderIntakeRefusesNewerSchema plays a database a newer intake has
// migrated: this one must stop before touching it, naming both versions.
func TestOlderIntakeRefusesNewerSchema(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			var known int
			if err := store.SQLDB().QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&known); err != nil {
				t.Fatal(err)
			}
			if _, err := store.SQLDB().ExecContext(ctx,
				"INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_from_the_future.sql', CURRENT_TIMESTAMP)"); err != nil {
				t.Fatal(err)
			}

			ranQueueStep := false
			_, err := store.Migrate(ctx, func(context.Context) error { ranQueueStep = true; return nil })
			want := fmt.Sprintf("the database's schema is at version 999 (0999_from_the_future.sql), but this intake knows migrations only up to %d: run the newer intake, or restore a backup", known)
			var tooNew *models.SchemaTooNewError
			if !errors.As(err, &tooNew) || err.Error() != want {
				t.Fatalf("Migrate on a newer schema: %v\nwant: %s", err, want)
			}
			if ranQueueStep {
				t.Error("the email queue's migrations ran on a schema this intake refused")
			}
		})
	}
}
