package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"
)

const statsUsage = `Usage: intake stats rebuild

Recomputes the summary tables the dashboard and the insight reports read
(campaign_stats, band_stats, score_stats, answer_stats and the daily count
of leads won)
from the leads and their history, in one transaction. Every change to a
lead keeps them up by itself; rebuild after restoring leads from a backup
into a database, after changing leads by hand in SQL, or to check the
kept-up figures. Reports keep answering while it runs and see the rebuilt
figures when it commits.
`

// runStats is `intake stats`: it returns the exit code, 2 for a bad call.
func runStats(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	rest := args
	if len(args) > 0 && args[0] == "rebuild" {
		rest = args[1:]
	}
	help, problem := parseFlags(fs, rest)
	if help {
		fmt.Fprint(stdout, statsUsage)
		return 0
	}
	if problem == "" && (len(args) == 0 || args[0] != "rebuild") {
		problem = "say what to do: intake stats rebuild"
	}
	if problem != "" {
		fmt.Fprintf(stderr, "intake stats: %s\n\n%s", problem, statsUsage)
		return 2
	}
	return withConfig("stats", getenv, stderr, func(ctx context.Context, cfg *Config, log *slog.Logger) error {
		return rebuildStats(ctx, cfg, stdout, log)
	})
}

// rebuildStats opens and migrates the database as serve would, rebuilds
// the summaries and says what they now hold.
func rebuildStats(ctx context.Context, cfg *Config, stdout io.Writer, log *slog.Logger) error {
	store, err := openStore(ctx, cfg, cfg.DatabaseMaxConn, log)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	if err := store.RebuildStats(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	size, err := store.SummarySize(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rebuilt the summary tables from %d leads in %s: campaign_stats %d rows, band_stats %d rows, score_stats %d rows, answer_stats %d rows, leads won counted on %d days.\n",
		size.Leads, took.Round(time.Millisecond), size.CampaignRows, size.BandRows, size.ScoreRows, size.AnswerRows, size.WonDays)
	return nil
}
