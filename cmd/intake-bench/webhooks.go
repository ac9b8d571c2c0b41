package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/stellapop/intake/webhook"
)

func init() { register(45, "webhooks", benchWebhooks) }

// webhookEndpoints is how many endpoints the submissions row configures.
const webhookEndpoints = 3

// benchWebhooks measures the two costs webhooks add: delivering (the
// workers beside a bare net/http loop, as the email row measures the mail
// workers beside bare go-mail) and queuing (submissions with three
// endpoints beside none).
func benchWebhooks(ctx context.Context, e *env) ([]row, error) {
	delivery, err := benchWebhookDelivery(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	submit, err := benchWebhookSubmit(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("submissions with endpoints: %w", err)
	}
	return append(delivery, submit), nil
}

// benchWebhookDelivery compares the delivery workers (queue, database,
// body, signing, guarded dialler, delivery log) with the best bare
// net/http loop for the same job: as many senders as the portal's delivery
// workers, on kept connections, posting a signed body of the same size
// into the same kind of loopback receiver. Both are the webhook package's
// benchmarks, run in-process, as the email row runs the mail package's.
func benchWebhookDelivery(ctx context.Context, e *env) ([]row, error) {
	bin := filepath.Join(e.work, "webhook.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./webhook/")
	build.Dir = e.root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the webhook benchmarks: %v\n%s", err, out)
	}
	e.note(fmt.Sprintf("Webhook delivery row: the webhook package's three benchmarks in one test binary (the workers, the bare loop, River alone with no-op jobs), each against an in-process receiver on 127.0.0.1 that counts each post and answers 200, verifying nothing (at once, or after %s in the row that says so), and a new database on the PostgreSQL above; the workers at WEBHOOK_WORKERS' default (%d) with private networks allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, so http://127.0.0.1 may be reached), the bare loop with as many senders", receiverDelay, webhook.DefaultWorkers))
	deliveries := 2000
	if e.smoke {
		deliveries = 100
	}
	// run runs a delivery benchmark for n deliveries, with env added.
	run := func(name string, n int, env ...string) func() (float64, error) {
		return func() (float64, error) { return runBench(ctx, e, bin, name, "deliveries/s", n, env...) }
	}
	fast, err := alternate(ctx, e.rounds, run("WorkerDelivery", deliveries), run("BareNetHTTP", deliveries))
	if err != nil {
		return nil, err
	}
	// The queue's own ceiling: River working jobs that do nothing, as
	// many at once, with the same settings. No delivery can beat it.
	var queue []float64
	for range e.rounds {
		n, err := runBench(ctx, e, bin, "QueueAlone", "jobs/s", deliveries)
		if err != nil {
			return nil, err
		}
		queue = append(queue, n)
	}
	alone := median(queue)

	// The same two into a receiver that takes receiverDelay over each
	// answer, as one elsewhere on the internet might: what a delivery costs
	// beside the wait that both sides share.
	slowDeliveries := 800
	if e.smoke {
		slowDeliveries = 40
	}
	delay := receiverDelayEnv + "=" + receiverDelay.String()
	slow, err := alternate(ctx, e.rounds,
		run("WorkerDelivery", slowDeliveries, delay), run("BareNetHTTP", slowDeliveries, delay))
	if err != nil {
		return nil, err
	}
	workers := fmt.Sprintf("in-process: the webhook package's delivery workers, %d at once (WEBHOOK_WORKERS' default), WEBHOOK_ALLOW_PRIVATE_NETWORKS=true", webhook.DefaultWorkers)
	return []row{{
		Settings:  workers,
		Job:       fmt.Sprintf("webhook deliveries through queue and %d workers (%s lead.created queued for one endpoint)", webhook.DefaultWorkers, thousands(float64(deliveries))),
		Limit:     fmt.Sprintf("bare net/http: %d senders at once (as many as the workers) on kept connections; same size signed body, same receiver", webhook.DefaultWorkers),
		Portal:    thousands(fast.portal) + " deliveries/s",
		Reference: thousands(fast.reference) + " deliveries/s",
		Ratio:     fast.String(),
		Target:    "≥ 0.8×",
		Pass:      fast.atLeast(0.8),
	}, {
		Settings:  "in-process: the jobs package's River queue as the workers use it, " + strconv.Itoa(webhook.DefaultWorkers) + " at once",
		Job:       fmt.Sprintf("the queue alone: River working %s jobs that do nothing, %d at once (the ceiling of any job, deliveries included)", thousands(float64(deliveries)), webhook.DefaultWorkers),
		Limit:     "the bare net/http loop above",
		Portal:    thousands(alone) + " jobs/s",
		Reference: thousands(fast.reference) + " deliveries/s",
		Ratio:     ratio(alone, fast.reference) + "; deliveries at " + ratio(fast.portal, alone) + " of it",
	}, {
		Settings:  workers,
		Job:       fmt.Sprintf("webhook deliveries into a receiver that answers after %s, %d at once (%s lead.created queued for one endpoint)", receiverDelay, webhook.DefaultWorkers, thousands(float64(slowDeliveries))),
		Limit:     fmt.Sprintf("bare net/http: %d senders at once on kept connections; same size signed body, same receiver answering after %s", webhook.DefaultWorkers, receiverDelay),
		Portal:    fmt.Sprintf("%.1f deliveries/s", slow.portal),
		Reference: fmt.Sprintf("%.1f deliveries/s", slow.reference),
		Ratio:     slow.String(),
		Target:    "≥ 0.8×",
		Pass:      slow.atLeast(0.8),
	}}, nil
}

// receiverDelay is how long the receiver of the second delivery row takes
// over each answer, set through receiverDelayEnv (webhook/bench_test.go).
const (
	receiverDelay    = 50 * time.Millisecond
	receiverDelayEnv = "INTAKE_BENCH_RECEIVER_DELAY"
)

// runBench runs one of the webhook package's benchmarks for n iterations
// and returns the figure it reports in unit.
func runBench(ctx context.Context, e *env, bin, name, unit string, n int, env ...string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^Benchmark"+name+"$",
		"-test.benchtime", strconv.Itoa(n)+"x", "-test.count", "1")
	cmd.Dir = filepath.Join(e.root, "webhook")
	cmd.Env = append(append(os.Environ(), "TEST_DATABASE_URL="+e.pgURL), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	m := regexp.MustCompile(`([0-9.]+) ` + regexp.QuoteMeta(unit)).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s: no %s in its output:\n%s", name, unit, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// benchWebhookSubmit compares complete submissions through the portal with
// three webhook endpoints subscribed to lead.created and with none: two
// databases made alike by `intake migrate`, two portals with the same
// settings, the same load in alternating rounds. The load test's settings
// work no jobs in the portal (MAIL_WORKERS=0), so what is measured is the
// cost of queuing each submission's deliveries, not of making them.
func benchWebhookSubmit(ctx context.Context, e *env) (row, error) {
	rcv, err := startLoopbackReceiver()
	if err != nil {
		return row{}, err
	}
	defer rcv.Close()

	var bases [2]string
	var dbs [2]string
	for i, purpose := range []string{"webhooks_none", "webhooks_three"} {
		dbURL, err := e.newDatabase(ctx, purpose)
		if err != nil {
			return row{}, err
		}
		if out, err := e.intake(ctx, dbURL, "", "migrate"); err != nil {
			return row{}, fmt.Errorf("migrate: %v\n%s", err, out)
		}
		dbs[i] = dbURL
	}
	for k := range webhookEndpoints {
		// Only the command that adds them needs private networks allowed;
		// the portals never dial the receiver (they work no jobs).
		out, err := e.intakeWith(ctx, dbs[1], []string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS=true"}, "",
			"webhooks", "add", fmt.Sprintf("%s/hook/%d", rcv.base, k+1), "--events", webhook.LeadCreated,
			"--description", fmt.Sprintf("bench receiver %d", k+1))
		if err != nil {
			return row{}, fmt.Errorf("webhooks add: %v\n%s", err, out)
		}
	}
	for i, dbURL := range dbs {
		p, _, err := e.startPortal(ctx, dbURL, loadTest)
		if err != nil {
			return row{}, err
		}
		defer p.stop()
		bases[i] = p.base
	}
	e.note(fmt.Sprintf("Webhook submissions row: %d endpoints added with `intake webhooks add` (each subscribed to lead.created, pointing at a receiver on 127.0.0.1) to one of two databases `intake migrate` made; a portal on each, with the same settings, loaded in turn", webhookEndpoints))

	n := submitConcurrency()
	dur := 10 * time.Second
	if e.smoke {
		dur = time.Second
	}
	for _, base := range bases { // warm both up alike
		if _, err := runSubmitLoad(ctx, base, n, dur/4, 5*time.Second); err != nil {
			return row{}, err
		}
	}
	var p99s [2][]float64
	load := func(side int) func() (float64, error) {
		return func() (float64, error) {
			res, err := runSubmitLoad(ctx, bases[side], n, dur, 5*time.Second)
			if err != nil {
				return 0, err
			}
			if bad := res.unexpected(http.StatusSeeOther); bad != "" {
				return 0, errors.New(bad)
			}
			p99s[side] = append(p99s[side], res.p99(http.StatusSeeOther).Seconds())
			return res.rate(http.StatusSeeOther), nil
		}
	}
	c, err := alternate(ctx, e.rounds, load(1), load(0))
	if err != nil {
		return row{}, err
	}
	// The endpoints were in use: each lead queued one delivery for each.
	if err := checkQueued(ctx, dbs[1], webhookEndpoints); err != nil {
		return row{}, err
	}
	if err := checkQueued(ctx, dbs[0], 0); err != nil {
		return row{}, err
	}
	return measuredWith(loadTest, []row{{
		Job:       fmt.Sprintf("submissions, %d at once, with %d webhook endpoints (queuing only: the load test works no jobs)", n, webhookEndpoints),
		Limit:     "the same portal, settings and load with no endpoint",
		Portal:    fmt.Sprintf("%s tx/s (p99 POST %s)", thousands(c.portal), ms(median(p99s[1]))),
		Reference: fmt.Sprintf("%s tx/s (p99 POST %s)", thousands(c.reference), ms(median(p99s[0]))),
		Ratio:     c.String(),
		Target:    "≥ 0.9×",
		Pass:      c.atLeast(0.9),
	}})[0], nil
}

// checkQueued makes sure each lead in dbURL queued perLead deliveries.
func checkQueued(ctx context.Context, dbURL string, perLead int) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var leads, jobs int
	err = db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM river_job WHERE kind = 'webhook')`).Scan(&leads, &jobs)
	if err != nil {
		return fmt.Errorf("count queued deliveries: %w", err)
	}
	if leads == 0 || jobs != perLead*leads {
		return fmt.Errorf("%d leads queued %d deliveries; want %d each", leads, jobs, perLead)
	}
	return nil
}

// loopbackReceiver is a webhook receiver on loopback that answers 200 to
// every post.
type loopbackReceiver struct {
	srv  *http.Server
	base string
}

func startLoopbackReceiver() (*loopbackReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = srv.Serve(ln) }()
	return &loopbackReceiver{srv: srv, base: "http://" + ln.Addr().String()}, nil
}

func (c *loopbackReceiver) Close() { _ = c.srv.Close() }
