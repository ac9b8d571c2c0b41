package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

func init() { register(30, "submit", benchSubmit) }

// submitConcurrency is how many visitors submit at once, and how many
// pgbench clients run the same transaction: twice the cores, so that one
// side waiting on the database never leaves a core idle.
func submitConcurrency() int { return 2 * runtime.NumCPU() }

// benchSubmit compares complete submissions through the portal (GET the
// form, POST it, 303 to the result) with pgbench running the statements the
// portal runs for one submission, at the same concurrency for the same time.
func benchSubmit(ctx context.Context, e *env) ([]row, error) {
	pgbench, err := e.need(ctx, "pgbench", "postgresql-client")
	if err != nil {
		return nil, err
	}
	dbURL, err := e.newDatabase(ctx, "submit")
	if err != nil {
		return nil, err
	}
	// The reference runs on the schema the portal made.
	migrate := exec.CommandContext(ctx, e.bin, "migrate")
	migrate.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "INTAKE_DATA_DIR="+e.work, "INTAKE_SECRET="+benchSecret)
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("migrate: %v\n%s", err, out)
	}
	script := filepath.Join(e.work, "submit.pgbench")
	text, err := submitScript()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		return nil, err
	}
	p, _, err := e.startPortal(ctx, dbURL, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()

	n := submitConcurrency()
	e.note(fmt.Sprintf("pgbench: `-n -M prepared -c %d -j %d`, on the schema `intake migrate` made, in a database of its own", n, n))
	dur := 10 * time.Second
	if e.smoke {
		dur = time.Second
	}
	// Warm both sides up: connections, caches, the first pages of each index.
	if _, err := runSubmitLoad(ctx, p.base, n, dur/4, 5*time.Second); err != nil {
		return nil, err
	}
	if _, _, err := runPgbench(ctx, pgbench, dbURL, script, n, dur/4); err != nil {
		return nil, err
	}

	var p99s []float64
	c, err := alternate(ctx, e.rounds, func() (float64, error) {
		res, err := runSubmitLoad(ctx, p.base, n, dur, 5*time.Second)
		if err != nil {
			return 0, err
		}
		if bad := res.unexpected(http.StatusSeeOther); bad != "" {
			return 0, fmt.Errorf("portal: %s", bad)
		}
		p99s = append(p99s, res.p99(http.StatusSeeOther).Seconds())
		return res.rate(http.StatusSeeOther), nil
	}, func() (float64, error) {
		tps, _, err := runPgbench(ctx, pgbench, dbURL, script, n, dur)
		return tps, err
	})
	if err != nil {
		return nil, err
	}
	rows := []row{{
		Job:       fmt.Sprintf("submissions, %d at once (GET form + POST, 303)", n),
		Limit:     fmt.Sprintf("pgbench -c %d: the same statements in one transaction", n),
		Portal:    fmt.Sprintf("%s tx/s (p99 POST %s)", thousands(c.portal), ms(median(p99s))),
		Reference: thousands(c.reference) + " tx/s",
		Ratio:     c.String(),
		Target:    "≥ 0.5×",
		Pass:      c.atLeast(0.5),
	}}
	e.submitRate = c.portal
	return measuredWith(loadTest, rows), nil
}

func ms(seconds float64) string {
	if seconds < 0.01 {
		return fmt.Sprintf("%.1f ms", seconds*1000)
	}
	return fmt.Sprintf("%.0f ms", seconds*1000)
}
