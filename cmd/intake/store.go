package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// openStore opens the database the settings name and applies every
// pending migration, the email queue's included, logging each one it
// applies, so every command works on the schema serve would. On PostgreSQL
// the whole step holds one lock, so instances starting at once take turns;
// a database whose schema is newer than this binary is refused. maxConns
// bounds PostgreSQL connections (at least 2: one holds the lock).
func openStore(ctx context.Context, cfg *Config, maxConns int, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.DataDir, models.Options{MaxOpenConns: maxConns})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	applied, err := store.Migrate(ctx, mail.MigrateQueue(store))
	for _, name := range applied {
		log.Info("applied migration", slog.String("name", name))
	}
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return store, nil
}

// quietLog is the log of a command whose output is for people: migrations
// it applies on the way are not worth their attention.
func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
