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
records go; the result, source and dates stay for the statistics. The
running instances do this by themselves once a day, one of them for all;
this command is for doing it now.

  --dry-run   print how many leads would be anonymised, and when the oldest
              and newest were created, changing nothing
`

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
	// Receivers hear of each lead anonymised here as of any other erasure.
	if err := queueLeadEvents(cfg, store, log); err != nil {
		return err
	}
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
