package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/stellapop/intake/mail"
)

func init() { register(40, "mail", benchMail) }

// benchMail compares the email workers (queue, database, composing,
// SMTP) with the best bare go-mail loop for the same job: as many senders
// as the portal's email workers, each on one kept connection, sending the
// same messages into the same kind of local SMTP server. Both are the mail
// package's benchmarks, run in-process against mail/mailtest and a fresh
// PostgreSQL database.
func benchMail(ctx context.Context, e *env) ([]row, error) {
	bin := filepath.Join(e.work, "mail.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./mail/")
	build.Dir = e.root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the mail benchmarks: %v\n%s", err, out)
	}
	e.note(fmt.Sprintf("Email rows: the mail package's two benchmarks in one test binary, each against mail/mailtest (an SMTP server in-process on 127.0.0.1) and a new database on the PostgreSQL above; the workers at MAIL_WORKERS' default (%d), the bare loop with as many go-mail clients", mail.DefaultWorkers))
	emails := 2000
	if e.smoke {
		emails = 100
	}
	run := func(name string) func() (float64, error) {
		return func() (float64, error) { return runMailBench(ctx, e, bin, name, emails) }
	}
	c, err := alternate(ctx, e.rounds, run("WorkerDelivery"), run("BareGoMail"))
	if err != nil {
		return nil, err
	}
	return []row{{
		Settings:  fmt.Sprintf("in-process: the mail package's workers, %d at once (MAIL_WORKERS' default)", mail.DefaultWorkers),
		Job:       fmt.Sprintf("emails through queue and %d workers (%s queued)", mail.DefaultWorkers, thousands(float64(emails))),
		Limit:     fmt.Sprintf("bare go-mail: %d senders at once (as many as the workers), each on one kept connection; same messages, same SMTP sink", mail.DefaultWorkers),
		Portal:    thousands(c.portal) + " emails/s",
		Reference: thousands(c.reference) + " emails/s",
		Ratio:     c.String(),
		Target:    "≥ 0.8×",
		Pass:      c.atLeast(0.8),
	}}, nil
}

var emailsPerSecond = regexp.MustCompile(`([0-9.]+) emails/s`)

// runMailBench runs one of the mail package's benchmarks for n emails and
// returns the emails per second it reports.
func runMailBench(ctx context.Context, e *env, bin, name string, n int) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^Benchmark"+name+"$",
		"-test.benchtime", strconv.Itoa(n)+"x", "-test.count", "1")
	cmd.Dir = filepath.Join(e.root, "mail")
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+e.pgURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	m := emailsPerSecond.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s: no emails/s in its output:\n%s", name, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
