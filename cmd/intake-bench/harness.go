package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// row is one line of the results table.
type row struct {
	Job       string // what the portal does
	Settings  string // the portal's settings (a settings' name), or what ran instead of it
	Limit     string // the tool it is measured against
	Portal    string // the portal's figure, e.g. "41,200 req/s (p99 1.9 ms)"
	Reference string // the tool's figure
	Ratio     string // portal ÷ reference, e.g. "0.93×"
	Target    string // e.g. "≥ 0.9×"
	Pass      bool
}

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
}

// note adds a line about how a server other than the portal ran, listed
// above the table.
func (e *env) note(line string) {
	if !slices.Contains(e.notes, line) {
		e.notes = append(e.notes, line)
	}
}

// measuredWith names s as the settings of rows.
func measuredWith(s settings, rows []row) []row {
	for i := range rows {
		rows[i].Settings = s.name
	}
	return rows
}

// used notes that a row ran the portal with s, for the list above the table.
func (e *env) used(s settings) {
	for _, r := range e.ran {
		if r.name == s.name {
			return
		}
	}
	e.ran = append(e.ran, s)
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

// portal is one running `intake serve`.
type portal struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	done chan error
	logs *os.File
}

// settings is a set of the portal's settings a row is measured with,
// named in the table's settings column and listed above it.
type settings struct {
	name string   // as the settings column shows it
	env  []string // KEY=value, beyond what every start sets
	why  string   // why these differ from the defaults
}

var (
	// defaults is what a user runs: nothing is set beyond what every start
	// must set on this machine.
	defaults = settings{name: "defaults"}
	// loadTest is for loads from one address that submit at once, which
	// the bot checks would quarantine or refuse; with a quiet request log,
	// and with no email workers, since pgbench, the reference, sends none.
	loadTest = settings{name: "load test",
		env: []string{"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=0", "LOG_LEVEL=warn", "MAIL_WORKERS=0", "SMTP_URL=smtp://127.0.0.1:1?tls=none"},
		why: "bot checks off for a load from one address that submits at once, request log quiet, no email workers"}
)

// startEnv is what every start of the portal sets: where it listens, its
// database and data directory, and of this program's own environment only
// what any process needs, so that no setting of the shell it runs in
// reaches the portal.
func startEnv(addr, dbURL, dataDir string) []string {
	env := []string{"INTAKE_ADDR=" + addr, "DATABASE_URL=" + dbURL, "INTAKE_DATA_DIR=" + dataDir}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// startPortal runs the release binary on dbURL with the settings s and
// waits until it is ready.
func (e *env) startPortal(ctx context.Context, dbURL string, s settings) (*portal, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	logs, err := os.CreateTemp(e.work, "portal-*.log")
	if err != nil {
		return nil, 0, err
	}
	data, err := os.MkdirTemp(e.work, "data-")
	if err != nil {
		return nil, 0, err
	}
	e.used(s)
	cmd := exec.Command(e.bin, "serve")
	cmd.Env = append(startEnv(addr, dbURL, data), s.env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &portal{cmd: cmd, base: "http://" + addr, done: make(chan error, 1), logs: logs}
	go func() { p.done <- cmd.Wait() }()
	for {
		res, err := http.Get(p.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, time.Since(start), nil
			}
		}
		select {
		case err := <-p.done:
			out, _ := os.ReadFile(logs.Name())
			return nil, 0, fmt.Errorf("the portal exited before it was ready (%v):\n%s", err, out)
		case <-ctx.Done():
			p.stop()
			return nil, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			p.stop()
			return nil, 0, errors.New("the portal was not ready within 30 s")
		}
	}
}

// stop sends SIGTERM and waits for the portal to exit.
func (p *portal) stop() {
	stopProcess(p.cmd, p.done, os.Interrupt, 20*time.Second)
	p.logs.Close()
}

// stopProcess asks cmd to finish with sig and waits for done (its Wait's
// result), killing it if it is still running after grace.
func stopProcess(cmd *exec.Cmd, done <-chan error, sig os.Signal, grace time.Duration) {
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// memory reads the portal's resident set size now and at its peak, in bytes.
func (p *portal) memory() (rss, peak int64, err error) {
	return procMemory(p.cmd.Process.Pid)
}

// procMemory reads VmRSS and VmHWM of a process from /proc.
func procMemory(pid int) (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
	}
	return rss, peak, sc.Err()
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
// and returns the median of each side's figure.
func alternate(rounds int, portal, reference func() (float64, error)) (p, r float64, err error) {
	var ps, rs []float64
	for i := range rounds {
		first, second := portal, reference
		if i%2 == 1 { // who goes first alternates too
			first, second = reference, portal
		}
		a, err := first()
		if err != nil {
			return 0, 0, err
		}
		b, err := second()
		if err != nil {
			return 0, 0, err
		}
		if i%2 == 1 {
			a, b = b, a
		}
		ps, rs = append(ps, a), append(rs, b)
	}
	return median(ps), median(rs), nil
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

// ratio formats portal ÷ reference.
func ratio(portal, reference float64) string {
	if reference == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", portal/reference)
}

// thousands formats n with thousands separators.
func thousands(n float64) string {
	s := strconv.FormatInt(int64(n+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// report is the results table in Markdown, with the machine it ran on.
func (e *env) report(rows []row) string {
	var b strings.Builder
	mode := "full"
	if e.smoke {
		mode = "smoke (small data, short runs: the figures mean nothing)"
	}
	fmt.Fprintf(&b, "# Benchmark results, %s\n\n", time.Now().UTC().Format("2 January 2006 15:04 UTC"))
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Go: %s; PostgreSQL: %s; commit %s\n", runtime.Version(), e.postgresVersion(), e.commit)
	fmt.Fprintf(&b, "- Mode: %s; %d alternating rounds per comparison, medians shown\n", mode, e.rounds)
	if len(e.ran) > 0 {
		b.WriteString("- The portal: each start sets only INTAKE_ADDR (a free loopback port), DATABASE_URL (a database on the PostgreSQL above)" +
			" and INTAKE_DATA_DIR (a scratch directory), and passes on PATH, HOME and TMPDIR, no other variable of the shell; beyond that, by the settings column:\n")
		for _, s := range e.ran {
			if len(s.env) == 0 {
				fmt.Fprintf(&b, "  - %s: nothing else, every other setting at its default\n", s.name)
				continue
			}
			fmt.Fprintf(&b, "  - %s: `%s` (%s)\n", s.name, strings.Join(s.env, " "), s.why)
		}
	}
	for _, n := range e.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\n| job | settings | limit | portal | limit's figure | ratio | target | met |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Job, orDash(r.Settings), orDash(r.Limit), orDash(r.Portal),
			orDash(r.Reference), orDash(r.Ratio), orDash(r.Target), r.met())
	}
	return b.String()
}

// met is the row's verdict: "yes" or "no" when it has a target, "–" when
// it only informs.
func (r row) met() string {
	switch {
	case r.Target == "":
		return "–"
	case r.Pass:
		return "yes"
	default:
		return "no"
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return strings.ReplaceAll(s, "|", "/")
}

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Fields(line); len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %d GiB", (kb+(1<<19))>>20)
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

func (e *env) postgresVersion() string {
	db, err := sql.Open("pgx", e.pgURL)
	if err != nil {
		return "?"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(`SHOW server_version`).Scan(&v); err != nil {
		return "?"
	}
	return v
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
