package mailtest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// NewQueue builds a job queue on store, migrated, that sends emails as
// serve does, with workers sending at once (0: insert-only), and the
// Enqueuer that queues a lead's emails on it. The caller starts it.
func NewQueue(t testing.TB, store *models.Store, wc mail.WorkerConfig, workers int) (*jobs.Queue, mail.Enqueuer) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := river.NewWorkers()
	if err := mail.AddWorker(w, store, wc, log); err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Workers: w, Log: log}
	if workers > 0 {
		cfg.Queues = map[string]int{mail.QueueName: workers}
	}
	q, err := jobs.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(store)(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q, mail.Enqueuer{Queue: q}
}
