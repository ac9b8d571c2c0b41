package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stellapop/intake/models"
)

func init() { register(62, "peer", benchPeer) }

// benchmarkOff is loadTest with the peer benchmark turned off: the result
// page as it was before the benchmark, the reference the page with it is
// held to.
var benchmarkOff = settings{name: "load test, benchmark off",
	env: append(slices.Clone(loadTest.env), "BENCHMARK_MIN_LEADS=0"),
	why: "as load test, with the result page's peer benchmark off, to time the page without it"}

// peerMarker is on a result page that shows the peer benchmark.
const peerMarker = `id="peer-title"`

// benchPeer times the result pages of seeded leads over HTTP, one at a
// time, with the peer benchmark (BENCHMARK_MIN_LEADS at its default) and
// without it, in alternating rounds, a portal started afresh for each, and
// compares the medians of the rounds' p95s. The summary the benchmark
// reads is kept a minute in memory, so it also times that read itself,
// which a view pays once a minute per version and instance (and for a
// lead saved around that read).
func benchPeer(ctx context.Context, e *env) ([]row, error) {
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	n := 200
	if e.smoke {
		n = 20
	}
	tokens, version, err := sampleResults(ctx, d.url, n)
	if err != nil {
		return nil, err
	}
	timePages := func(s settings, want bool) func() (float64, error) {
		return func() (float64, error) {
			p, _, err := e.startPortal(ctx, d.url, s)
			if err != nil {
				return 0, err
			}
			defer p.stop()
			var took []time.Duration
			for pass := range 3 { // the first warms up
				for _, token := range tokens {
					start := time.Now()
					body, err := getPage(p.base + "/results/" + token)
					if err != nil {
						return 0, err
					}
					if pass > 0 {
						took = append(took, time.Since(start))
					} else if strings.Contains(body, peerMarker) != want {
						return 0, fmt.Errorf("%s: the result page of a seeded lead shows the benchmark: %v, want %v", s.name, !want, want)
					}
				}
			}
			return p95(took), nil
		}
	}
	c, err := alternate(ctx, e.rounds, timePages(loadTest, true), timePages(benchmarkOff, false))
	if err != nil {
		return nil, err
	}

	store, err := models.Open(ctx, d.url, e.work, models.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	var reads []time.Duration
	for i := -1; i < 20; i++ {
		start := time.Now()
		if _, _, err := store.ScoreCounts(ctx, version); err != nil {
			return nil, err
		}
		if i >= 0 {
			reads = append(reads, time.Since(start))
		}
	}
	read := p95(reads)
	leads := thousands(float64(d.leads))
	return []row{
		{
			Job:      fmt.Sprintf("result page with its peer benchmark at %s leads: p95 over HTTP, %d seeded results", leads, len(tokens)),
			Settings: loadTest.name,
			Limit:    "the same page, benchmark off (`BENCHMARK_MIN_LEADS=0`)",
			Portal:   fmt.Sprintf("p95 %.2f ms", c.portal), Reference: fmt.Sprintf("p95 %.2f ms", c.reference),
			Ratio: c.String(), Target: "≤ 1.10×", Pass: c.atMost(1.10),
		},
		{
			Job:      fmt.Sprintf("the benchmark's summary read at %s leads (once a minute per version and instance): p95", leads),
			Settings: "in process, 2 connections",
			Portal:   fmt.Sprintf("p95 %.1f ms", read), Target: "p95 < 50 ms", Pass: under(read, 50),
		},
	}, nil
}

// sampleResults picks n leads at random from the database at dbURL and
// returns their result tokens and the diagnostic version most of them
// took.
func sampleResults(ctx context.Context, dbURL string, n int) ([]string, string, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT token, diagnostic_version FROM leads WHERE token <> '' ORDER BY random() LIMIT $1", n)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var tokens []string
	versions := map[string]int{}
	version := ""
	for rows.Next() {
		var token, v string
		if err := rows.Scan(&token, &v); err != nil {
			return nil, "", err
		}
		tokens = append(tokens, token)
		if versions[v]++; versions[v] > versions[version] {
			version = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(tokens) == 0 {
		return nil, "", fmt.Errorf("no leads with a result page to time")
	}
	return tokens, version, nil
}

// getPage GETs u as a browser would (asking for gzip) and returns the
// page, decoded.
func getPage(u string) (string, error) {
	res, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s = %d", u, res.StatusCode)
	}
	return string(b), nil
}
