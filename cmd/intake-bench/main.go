// Command intake-bench measures how close each of the portal's jobs comes
// to the limit of the machine it runs on: every row runs the portal and
// the tool that defines that job's limit (a bare net/http server and
// nginx, pgbench, bare go-mail senders, psql's COPY, Lighthouse) in the
// same run, in alternating rounds so that drift hits both sides, and
// reports medians. Every row with a target says whether it was met.
//
//	go run ./cmd/intake-bench            # the full run (`make bench`): minutes, a million leads
//	go run ./cmd/intake-bench -smoke     # seconds and small data, so the script never rots
//
// It prints one table and writes it, with the machine it ran on, to a new
// file under bench/results named for the minute the run started (UTC),
// never over an existing one. Smoke mode writes no file unless -out says
// where, and never under bench/results.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == bareServerArg {
		serveBare(os.Args[2])
	}
	smoke := flag.Bool("smoke", false, "seconds and small data: check that every row still runs")
	out := flag.String("out", "", "results file, which must not exist (default bench/results/YYYY-MM-DDThhmmZ.md; none in smoke mode)")
	only := flag.String("only", "", "comma-separated rows to run, e.g. pages,export (default: all)")
	rounds := flag.Int("rounds", 0, "alternating rounds per comparison (default 5; 1 in smoke mode)")
	cpuProfile := flag.String("cpuprofile", "", "write this program's own CPU profile (its load generators) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	started := time.Now()
	root, err := repoRoot()
	if err != nil {
		log.Fatal(err)
	}
	resultsDir := filepath.Join(root, "bench", "results")
	if err := checkOut(*out, resultsDir, *smoke); err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := log.New(os.Stderr, "bench: ", log.Ltime)

	e, err := newEnv(ctx, *smoke, *rounds, logger)
	if err != nil {
		logger.Fatal(err)
	}
	defer e.close()

	var want []string
	if *only != "" {
		want = strings.Split(*only, ",")
	}
	var rows []row
	failed := false
	for _, b := range benches() {
		if want != nil && !slices.Contains(want, b.name) {
			continue
		}
		logger.Printf("%s: running", b.name)
		start := time.Now()
		got, err := b.run(ctx, e)
		if err != nil {
			failed = true
			logger.Printf("%s: failed: %v", b.name, err)
			rows = append(rows, row{Job: b.name, Portal: "failed: " + firstLine(err.Error()), Target: "completes"})
			if ctx.Err() != nil {
				break
			}
			continue
		}
		logger.Printf("%s: done in %s", b.name, time.Since(start).Round(time.Second))
		rows = append(rows, got...)
	}

	report := e.report(rows)
	fmt.Print(report)
	path, numbered := *out, false
	if path == "" && !*smoke {
		path, numbered = filepath.Join(resultsDir, resultsName(started)), true
	}
	if path != "" {
		written, err := writeNew(path, []byte(report), numbered)
		if err != nil {
			logger.Fatal(err)
		}
		logger.Printf("results written to %s", written)
	}
	if failed {
		os.Exit(1)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
