package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/stellapop/intake/models"
)

const retentionUsage = `Usage: intake retention [--dry-run]

Anonymises every lead created more than RETENTION_DAYS ago (default 730),
as erasing it in the workspace does: contact details, notes and email
records go; the result, source and dates stay for the statistics. serve
does this by itself once a day; this command is for doing it now.

  --dry-run   print how many leads would be anonymised, and when the oldest
              and newest were created, changing nothing
`

// retentionEvery is how often serve applies the retention policy.
const retentionEvery = 24 * time.Hour

// runRetention is `intake retention`: it returns the exit code, 2 for a
// bad call.
func runRetention(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "")
	help, problem := parseFlags(fs, args)
	if help {
		fmt.Fprint(stdout, retentionUsage)
		return 0
	}
	if problem != "" {
		fmt.Fprintf(stderr, "intake retention: %s\n\n%s", problem, retentionUsage)
		return 2
	}
	return withConfig("retention", getenv, stderr, func(ctx context.Context, cfg *Config, log *slog.Logger) error {
		return applyRetention(ctx, cfg, *dryRun, stdout, log)
	})
}

// applyRetention opens and migrates the database as serve would, then
// anonymises the leads kept too long, or with dryRun only reports them.
func applyRetention(ctx context.Context, cfg *Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	store, err := openStore(ctx, cfg, cfg.DatabaseMaxConn, log)
	if err != nil {
		return err
	}
	defer store.Close()
	policy := models.Retention{Days: cfg.RetentionDays, Now: time.Now()}
	cutoff := policy.Cutoff().Format(time.DateOnly)
	if !dryRun {
		n, err := store.ApplyRetention(ctx, policy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Anonymised %d leads created before %s (RETENTION_DAYS=%d).\n", n, cutoff, cfg.RetentionDays)
		return nil
	}
	due, err := store.LeadsDueForRetention(ctx, policy)
	if err != nil {
		return err
	}
	if due.Count == 0 {
		fmt.Fprintf(stdout, "Dry run: no lead created before %s (RETENTION_DAYS=%d) is due; nothing changed.\n", cutoff, cfg.RetentionDays)
		return nil
	}
	fmt.Fprintf(stdout, "Dry run: %d leads created before %s (RETENTION_DAYS=%d) would be anonymised, the oldest created %s, the newest %s; nothing changed.\n",
		due.Count, cutoff, cfg.RetentionDays, due.Oldest.Format(time.DateOnly), due.Newest.Format(time.DateOnly))
	return nil
}

// retentionLoop applies the retention policy when serve starts and then
// every interval, until ctx ends. It logs counts only, never a lead.
func retentionLoop(ctx context.Context, store *models.Store, days int, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := store.ApplyRetention(ctx, models.Retention{Days: days})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// The next run picks up where this one stopped.
			log.Error("retention failed", slog.Int("anonymised", n), slog.Any("error", err))
		case n > 0:
			log.Info("retention: anonymised leads", slog.Int("count", n), slog.Int("retention_days", days))
		}
		cutoff := time.Now().AddDate(0, 0, -models.QuarantineDays)
		if q, err := store.PurgeQuarantine(ctx, cutoff); err != nil && ctx.Err() == nil {
			log.Error("quarantine purge failed", slog.Any("error", err))
		} else if q > 0 {
			log.Info("retention: deleted unreleased quarantined submissions", slog.Int64("count", q), slog.Int("quarantine_days", models.QuarantineDays))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
