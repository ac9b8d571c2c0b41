package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

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
	cpus string   // CPUs the portal is pinned to with taskset; "" for any
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
// database, data directory and secret, and processEnv.
func startEnv(addr, dbURL, dataDir string) []string {
	return append([]string{"INTAKE_ADDR=" + addr, "DATABASE_URL=" + dbURL, "INTAKE_DATA_DIR=" + dataDir, "INTAKE_SECRET=" + benchSecret}, processEnv()...)
}

// benchSecret is every start's and command's INTAKE_SECRET: a database
// refuses an instance whose secret differs from the one it was first used
// with, and the rows start the portal and its commands on one database
// more than once, each with a data directory of its own.
const benchSecret = "bench-secret-bench-secret-bench-secret"

// processEnv is what the servers under load get of this program's own
// environment: only what any process needs, so that no setting of the
// shell it runs in (GOGC, LOG_LEVEL, …) reaches them.
func processEnv() []string {
	var env []string
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
	if s.cpus != "" {
		cmd = exec.Command("taskset", "-c", s.cpus, e.bin, "serve")
	}
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
