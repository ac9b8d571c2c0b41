package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
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
	fmt.Fprintf(&b, "- Mode: %s; %d alternating rounds per comparison: each side's median figure shown; a ratio is the median of the rounds' own ratios (each round's runs a few seconds apart, so drift in the machine's speed between rounds cancels), with the lowest and highest round beside it\n", mode, e.rounds)
	if len(e.ran) > 0 {
		b.WriteString("- The portal: each start sets only INTAKE_ADDR (a free loopback port), DATABASE_URL (a database on the PostgreSQL above)" +
			", INTAKE_DATA_DIR (a scratch directory) and INTAKE_SECRET (one for the whole run), and passes on PATH, HOME and TMPDIR, no other variable of the shell; beyond that, by the settings column:\n")
		for _, s := range e.ran {
			if len(s.env) == 0 {
				fmt.Fprintf(&b, "  - %s: nothing else, every other setting at its default\n", s.name)
				continue
			}
			fmt.Fprintf(&b, "  - %s: `%s` (%s)\n", s.name, strings.Join(s.env, " "), s.why)
		}
	}
	if line := quiet.describe(); line != "" {
		fmt.Fprintf(&b, "- %s\n", line)
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
