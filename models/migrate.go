package models

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered SQL file for the store's dialect.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrationLockID serialises migrators on PostgreSQL so several instances
// starting at once apply each migration exactly once.
const migrationLockID = 7_014_212_026

func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and an underscore", name)
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, name, version)
		}
		seen[version] = name
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{Version: version, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// SchemaTooNewError is returned by Migrate when the database holds
// migrations this build does not know: an older binary must not run on a
// newer schema.
type SchemaTooNewError struct {
	Version int    // the newest migration the database records
	Name    string // its file name
	Known   int    // the newest migration this build has
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("the database's schema is at version %d (%s), but this intake knows migrations only up to %d: run the newer intake, or restore a backup",
		e.Version, e.Name, e.Known)
}

// Migrate applies every migration not yet applied, in order, each in its own
// transaction, then runs each of also (the email queue's migrations), and
// returns the names it applied. On PostgreSQL the whole step holds one
// advisory lock, so instances starting at once on the same database take
// turns: the first migrates, the others find nothing left to do.
func (s *Store) Migrate(ctx context.Context, also ...func(context.Context) error) ([]string, error) {
	migrations, err := loadMigrations(s.dialect)
	if err != nil {
		return nil, err
	}
	if s.dialect != Postgres {
		// The embedded SQLite serves one process, and its one connection
		// must stay free for the queue's migrations.
		return migrateOn(s.db.WithContext(ctx), migrations, also)
	}
	var applied []string
	err = s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		// A new session on the connection, so that each statement starts
		// afresh instead of adding to the one before.
		conn = conn.Session(&gorm.Session{NewDB: true})
		if err := conn.Exec("SELECT pg_advisory_lock(?)", migrationLockID).Error; err != nil {
			return fmt.Errorf("wait for another instance's migrations: %w", err)
		}
		// Unlock even when ctx is done. Should this fail, the connection is
		// broken, and PostgreSQL releases the lock with its session.
		defer conn.WithContext(context.WithoutCancel(ctx)).Exec("SELECT pg_advisory_unlock(?)", migrationLockID)
		applied, err = migrateOn(conn, migrations, also)
		return err
	})
	return applied, err
}

// migrateOn is the migrate step on db, which the caller has made the only
// migrator.
func migrateOn(db *gorm.DB, migrations []migration, also []func(context.Context) error) ([]string, error) {
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	if err := refuseNewerSchema(db, migrations); err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range migrations {
		done, err := applyMigration(db, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	if slices.ContainsFunc(statsMigrations, func(m string) bool { return slices.Contains(applied, m) }) {
		// The summaries start from the leads already there.
		if err := db.Transaction(func(tx *gorm.DB) error { return rebuildStats(tx) }); err != nil {
			return applied, fmt.Errorf("fill the summary tables: %w", err)
		}
	}
	for _, step := range also {
		if err := step(db.Statement.Context); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// refuseNewerSchema stops a binary older than the database's schema: its
// code would read and write tables it does not know the shape of.
func refuseNewerSchema(db *gorm.DB, migrations []migration) error {
	var newest struct {
		Version int
		Name    string
	}
	err := db.Table("schema_migrations").Select("version, name").Order("version DESC").Limit(1).Scan(&newest).Error
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	known := 0
	if len(migrations) > 0 {
		known = migrations[len(migrations)-1].Version
	}
	if newest.Version > known {
		return &SchemaTooNewError{Version: newest.Version, Name: newest.Name, Known: known}
	}
	return nil
}

// applyMigration runs one migration unless it is already recorded.
func applyMigration(db *gorm.DB, m migration) (bool, error) {
	applied := false
	err := db.Transaction(func(tx *gorm.DB) error {
		var count int64
		if err := tx.Table("schema_migrations").Where("version = ?", m.Version).Count(&count).Error; err != nil {
			return err
		}
		if count > 0 {
			return nil
		}
		if err := tx.Exec(m.SQL).Error; err != nil {
			return err
		}
		applied = true
		return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UTC()).Error
	})
	return applied, err
}
