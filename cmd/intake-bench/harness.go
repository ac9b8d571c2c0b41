package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// bench is one group of rows.
type bench struct {
	order int
	name  string
	run   func(ctx context.Context, e *env) ([]row, error)
}

var (
	registryMu sync.Mutex
	registry   []bench
)

// register adds a group of rows; each file registers its own from init.
// Groups run in order of their order.
func register(order int, name string, run func(ctx context.Context, e *env) ([]row, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry = append(registry, bench{order, name, run})
}

func benches() []bench {
	registryMu.Lock()
	defer registryMu.Unlock()
	b := slices.Clone(registry)
	sort.Slice(b, func(i, j int) bool { return b[i].order < b[j].order })
	return b
}

// env is what every row shares: the built binary, a PostgreSQL server and
// a scratch directory.
type env struct {
	smoke  bool
	rounds int
	root   string // the repository
	bin    string // the portal's release binary, built for this run
	commit string // what bin was built from: commits made during the run do not count
	pgURL  string // the PostgreSQL server, as a maintenance database URL
	work   string // scratch directory, removed at the end
	log    *log.Logger
	dbs    []string   // databases this run made, dropped at the end
	ran    []settings // the portal's settings the rows used, in order of first use
	notes  []string   // how the other servers ran, one line each
	// submitRate is the portal's submissions a second that the submit row
	// measured, which sizes the overload row; 0 until it has run.
	submitRate float64
}

// note adds a line about how a server other than the portal ran, listed
// above the table.
func (e *env) note(line string) {
	if !slices.Contains(e.notes, line) {
		e.notes = append(e.notes, line)
	}
}

func newEnv(ctx context.Context, smoke bool, rounds int, logger *log.Logger) (*env, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if rounds <= 0 {
		rounds = 5
		if smoke {
			rounds = 1
		}
	}
	work, err := os.MkdirTemp("", "intake-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{smoke: smoke, rounds: rounds, root: root, work: work, log: logger}
	e.pgURL = os.Getenv("BENCH_DATABASE_URL")
	if e.pgURL == "" {
		e.pgURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	// The binary is built the way `make build` builds the release.
	e.bin = filepath.Join(work, "intake")
	logger.Printf("building the portal")
	e.commit = gitCommit(root)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", e.bin, "./cmd/intake")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(work)
		return nil, fmt.Errorf("build: %v\n%s", err, out)
	}
	return e, nil
}

func (e *env) close() {
	for _, name := range e.dbs {
		if db, err := sql.Open("pgx", e.pgURL); err == nil {
			_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
			db.Close()
		}
	}
	os.RemoveAll(e.work)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the repository")
		}
		dir = parent
	}
}

// newDatabase creates an empty PostgreSQL database for this run, dropped
// when the run ends, and returns its URL.
func (e *env) newDatabase(ctx context.Context, purpose string) (string, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "intake_bench_" + purpose + "_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", e.pgURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	e.dbs = append(e.dbs, name)
	u, err := url.Parse(e.pgURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// alternate runs portal and reference one after the other, rounds times,
// each on a quiet machine (see settling), and compares them (see
// compared).
func alternate(ctx context.Context, rounds int, portal, reference func() (float64, error)) (compared, error) {
	var ps, rs []float64
	run := func(side func() (float64, error)) (float64, error) {
		if err := quiet.wait(ctx); err != nil {
			return 0, err
		}
		return side()
	}
	for i := range rounds {
		first, second := portal, reference
		if i%2 == 1 { // who goes first alternates too
			first, second = reference, portal
		}
		a, err := run(first)
		if err != nil {
			return compared{}, err
		}
		b, err := run(second)
		if err != nil {
			return compared{}, err
		}
		if i%2 == 1 {
			a, b = b, a
		}
		ps, rs = append(ps, a), append(rs, b)
	}
	return compare(ps, rs), nil
}

// compared is the portal beside a reference over rounds in which each
// side ran once, one after the other: each side's median figure, and the
// ratio portal ÷ reference as the median of the rounds' own ratios, with
// the lowest and highest of them.
//
// The ratio is taken round by round because this machine's speed drifts
// (by a third at times, for minutes, with no steal time to show it): two
// runs a few seconds apart see the same machine, so a round's ratio holds
// even when the whole round ran slow, and the median sets aside a round
// that the drift cut in two. A ratio of the two medians could set a fast
// round of one side against a slow round of the other.
type compared struct {
	portal, reference float64 // each side's median
	ratio, low, high  float64 // portal ÷ reference: the rounds' median, lowest, highest
}

// compare pairs ps[i] with rs[i], one round each. A round whose reference
// measured nothing has no ratio, and counts as 0 (meeting nothing).
func compare(ps, rs []float64) compared {
	c := compared{portal: median(ps), reference: median(rs)}
	var ratios []float64
	for i := range min(len(ps), len(rs)) {
		r := 0.0
		if rs[i] > 0 {
			r = ps[i] / rs[i]
		}
		ratios = append(ratios, r)
	}
	if len(ratios) == 0 {
		return c
	}
	c.ratio = median(ratios)
	c.low, c.high = slices.Min(ratios), slices.Max(ratios)
	return c
}

// String is the ratio for the table: "0.94× (rounds 0.91–0.97)", or
// "0.94×" from a single round, "–" when nothing was measured.
func (c compared) String() string {
	if c.ratio == 0 {
		return "–"
	}
	if c.low == c.high {
		return fmt.Sprintf("%.2f×", c.ratio)
	}
	return fmt.Sprintf("%.2f× (rounds %.2f–%.2f)", c.ratio, c.low, c.high)
}

// atLeast reports whether the portal reached least × the reference: a
// throughput target, judged on the rounds' median ratio.
func (c compared) atLeast(least float64) bool {
	return c.reference > 0 && atLeast(c.ratio, 1, least)
}

// atMost reports whether the portal stayed within most × the reference:
// a latency or cost target, judged on the rounds' median ratio.
func (c compared) atMost(most float64) bool {
	return c.reference > 0 && c.portal > 0 && atMost(c.ratio, 1, most)
}

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// need makes sure a command is installed, installing its Debian package
// with apt-get when it is missing.
func (e *env) need(ctx context.Context, command, pkg string) (string, error) {
	if path, err := exec.LookPath(command); err == nil {
		return path, nil
	}
	e.log.Printf("installing %s (apt-get install %s)", command, pkg)
	args := []string{"apt-get", "install", "-y", "--no-install-recommends", pkg}
	if os.Geteuid() != 0 {
		args = append([]string{"sudo"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("install %s: %v\n%s", pkg, err, out)
	}
	return exec.LookPath(command)
}
