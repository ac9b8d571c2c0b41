package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/webhook"
)

// openStore opens the database the settings name and applies every
// pending migration, the email queue's included, logging each one it
// applies, so every command works on the schema serve would. On PostgreSQL
// the whole step holds one lock, so instances starting at once take turns;
// a database whose schema is newer than this binary is refused. maxConns
// bounds PostgreSQL connections (at least 2: one holds the lock). Every
// command checks the secret (see checkSecret): the suppression list is
// keyed by it, so an export under another secret would miss erased
// addresses.
func openStore(ctx context.Context, cfg *Config, maxConns int, log *slog.Logger) (*models.Store, error) {
	if err := cfg.ensureSecret(); err != nil {
		return nil, fmt.Errorf("INTAKE_SECRET: %w", err)
	}
	opts := models.Options{MaxOpenConns: maxConns, SuppressionKey: models.SuppressionKey(cfg.Secret)}
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.DataDir, opts)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// An instance with another secret is refused before it changes the
	// schema, and again after migrating, when the first start records it.
	if recorded, err := store.SecretFingerprint(ctx); err != nil || recorded != "" {
		if err == nil {
			err = compareSecret(recorded, cfg.Secret)
		}
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	applied, err := store.Migrate(ctx, jobs.Migrate(store))
	for _, name := range applied {
		log.Info("applied migration", slog.String("name", name))
	}
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	if err := checkSecret(ctx, store, cfg.Secret); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// quietLog is the log of a command whose output is for people: migrations
// it applies on the way are not worth their attention.
func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// secretFingerprintLabel is what the secret signs to make its fingerprint;
// changing it would make every database refuse its own instances.
const secretFingerprintLabel = "intake: fingerprint of INTAKE_SECRET, v1"

// secretFingerprint names a secret without revealing it: an HMAC-SHA256 of
// a fixed label keyed by the secret, in hex.
func secretFingerprint(secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(secretFingerprintLabel))
	return hex.EncodeToString(mac.Sum(nil))
}

// checkSecret refuses to start an instance whose secret differs from the
// one the database was first used with: its sessions, form tokens and
// links would fail on every other instance. The first start records the
// secret's fingerprint, never the secret.
func checkSecret(ctx context.Context, store *models.Store, secret []byte) error {
	recorded, err := store.RecordSecretFingerprint(ctx, secretFingerprint(secret))
	if err != nil {
		return err
	}
	return compareSecret(recorded, secret)
}

// compareSecret refuses a secret whose fingerprint is not the one recorded.
func compareSecret(recorded string, secret []byte) error {
	mine := secretFingerprint(secret)
	if !hmac.Equal([]byte(recorded), []byte(mine)) {
		return fmt.Errorf("INTAKE_SECRET differs from the one this database was first used with (fingerprint %s, this instance's %s): give every instance the same INTAKE_SECRET",
			shortFingerprint(recorded), shortFingerprint(mine))
	}
	return nil
}

// shortFingerprint is enough of a fingerprint to tell two apart in a log.
func shortFingerprint(fp string) string { return fp[:min(len(fp), 16)] }

// queueLeadEvents makes store queue the webhook deliveries of the lead
// events it emits, on an insert-only queue that serve's and worker's
// workers pick up: for a command that changes leads on its own
// (`intake retention` erases them).
func queueLeadEvents(cfg *Config, store *models.Store, log *slog.Logger) error {
	def, err := loadDiagnostic(cfg.ContentDir)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	if _, err := webhook.AddWorker(workers, store, webhook.WorkerConfig{Definition: def, BaseURL: cfg.BaseURL, Log: log}); err != nil {
		return err
	}
	q, err := jobs.New(store, jobs.Config{Workers: workers, Log: log})
	if err != nil {
		return err
	}
	store.OnLeadEvents(webhook.NewDispatcher(store, q).EnqueueLeadEvents)
	return nil
}
