package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func init() { register(33, "instances", benchInstances) }

// highestRateLimit is SUBMIT_RATE_LIMIT's highest value: with each visit
// from an address of its own it never refuses, and the shared counter in
// PostgreSQL runs on every submission.
const highestRateLimit = 100000

var (
	// behindProxy is an instance of several behind the bench's nginx.
	behindProxy = settings{name: "behind nginx",
		env: withEnv(loadTest.env, "SUBMIT_RATE_LIMIT="+strconv.Itoa(highestRateLimit), "TRUSTED_PROXIES=127.0.0.1"),
		why: "the load test's, but the submission limit on at its highest, counted in PostgreSQL on every submission and never refusing (each visit has an address of its own), " +
			"and each visitor's address taken from nginx's X-Forwarded-For"}
	// behindProxyShared is behindProxy for one of two instances sharing a
	// machine, each given its share of the CPUs.
	behindProxyShared = settings{name: "behind nginx, a share of the CPUs",
		env: withEnv(behindProxy.env, "GOMAXPROCS="+strconv.Itoa(max(1, runtime.NumCPU()/2))),
		why: "behind nginx's, for each of two instances on one machine: half its CPUs each, as a container's CPU limit gives them (Go takes GOMAXPROCS from it); " +
			"each at the machine's count, two Go schedulers would spin for work on the same cores"}
	// behindProxyNoLimit is behindProxy with the submission limit off.
	behindProxyNoLimit = settings{name: "behind nginx, limit off",
		env: withEnv(behindProxy.env, "SUBMIT_RATE_LIMIT=0"),
		why: "behind nginx's, with the submission limit off: nothing counted"}
)

// withEnv is env with each KEY=value of set in place of that key's value,
// or added.
func withEnv(env []string, set ...string) []string {
	out := append([]string(nil), env...)
	for _, kv := range set {
		key, _, _ := strings.Cut(kv, "=")
		i := 0
		for i < len(out) && !strings.HasPrefix(out[i], key+"=") {
			i++
		}
		if i < len(out) {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// benchInstances compares complete submissions through nginx balancing
// two `intake serve` instances, each given half the CPUs as on a machine
// they share, with the same nginx in front of one that has them all, on
// one PostgreSQL database, on one machine: on two cores the second
// instance adds no CPU, so what it shows is whether they hold each other
// up (the shared submission limit's counter, the database's locks). Then one
// instance with the limit on beside one with it off, for what the shared
// counter costs a submission.
func benchInstances(ctx context.Context, e *env) ([]row, error) {
	nginx, err := e.need(ctx, "nginx", "nginx")
	if err != nil {
		return nil, err
	}
	dbURL, err := e.newDatabase(ctx, "instances")
	if err != nil {
		return nil, err
	}
	// Instances of one site share its database; each starts after the one
	// before is ready, as in a rolling start.
	var instances []*portal
	defer func() {
		for _, p := range instances {
			p.stop()
		}
	}()
	for _, s := range []settings{behindProxyShared, behindProxyShared, behindProxy, behindProxyNoLimit} {
		p, _, err := e.startPortal(ctx, dbURL, s)
		if err != nil {
			return nil, err
		}
		instances = append(instances, p)
	}
	first, second, single, unlimited := instances[0], instances[1], instances[2], instances[3]
	ng, bases, err := startProxy(ctx, e, nginx, [][]*portal{{first, second}, {single}, {unlimited}})
	if err != nil {
		return nil, err
	}
	defer ng.stop()
	two, one, off := bases[0], bases[1], bases[2]
	e.note("nginx " + ng.version + " in front of the instances: deploy/nginx.conf's proxying (HTTP/1.1 to the instances, `keepalive 32`, `max_fails=3 fail_timeout=10s`, " +
		"`X-Forwarded-For $remote_addr`), plus `set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For` since the load generator stands where a TLS terminator would, " +
		"each visit sending an address of its own from 198.18.0.0/15; no cache (forms never are), `worker_processes auto`, no access log; one listener per upstream: " +
		"two instances with a share of the CPUs each, one with all of them, and one more with the limit off")

	n := submitConcurrency()
	dur := 10 * time.Second
	if e.smoke {
		dur = time.Second
	}
	for _, base := range []string{two, one, off} { // warm up: connections, caches
		if _, err := runForwardedSubmitLoad(ctx, base, n, dur/4, 5*time.Second); err != nil {
			return nil, err
		}
	}
	if err := checkCountedByVisitor(ctx, dbURL); err != nil {
		return nil, err
	}
	var twoRuns, oneRuns, limitedRuns, offRuns []submitFigures
	shared, err := alternate(ctx, e.rounds, proxiedLoad(ctx, two, n, dur, &twoRuns), proxiedLoad(ctx, one, n, dur, &oneRuns))
	if err != nil {
		return nil, err
	}
	limit, err := alternate(ctx, e.rounds, proxiedLoad(ctx, one, n, dur, &limitedRuns), proxiedLoad(ctx, off, n, dur, &offRuns))
	if err != nil {
		return nil, err
	}
	on, unlimitedFig := medianFigures(limitedRuns), medianFigures(offRuns)
	cpu := compare(cpuPerSubmission(limitedRuns), cpuPerSubmission(offRuns))
	rows := []row{
		{
			Job:      fmt.Sprintf("submissions through nginx, %d at once (GET form + POST, 303): two instances", n),
			Settings: behindProxyShared.name + "; limit: " + behindProxy.name,
			Limit:    "the same nginx in front of one instance with all the CPUs; same PostgreSQL database, same machine",
			Portal:   medianFigures(twoRuns).String(shared.portal), Reference: medianFigures(oneRuns).String(shared.reference),
			Ratio:  shared.String(),
			Target: "≥ 0.90×", Pass: shared.atLeast(0.9),
		},
		{
			Job:      fmt.Sprintf("submissions through nginx, %d at once, one instance: the shared submission limit on (%s a minute)", n, thousands(highestRateLimit)),
			Settings: behindProxy.name + "; limit: " + behindProxyNoLimit.name,
			Limit:    "the same, the limit off (SUBMIT_RATE_LIMIT=0)",
			Portal:   on.String(limit.portal), Reference: unlimitedFig.String(limit.reference),
			Ratio:  limit.String(),
			Target: "≥ 0.90×", Pass: limit.atLeast(0.9),
		},
		{
			Job:      "the shared submission limit's cost per submission (the counter in PostgreSQL)",
			Settings: behindProxy.name + "; limit: " + behindProxyNoLimit.name,
			Limit:    "CPU: the whole machine's (portal, PostgreSQL, nginx, load), from /proc/stat",
			Portal: fmt.Sprintf("%+.0f µs CPU, %+.0f µs p50 POST", (on.cpu-unlimitedFig.cpu)*1e6,
				(on.p50-unlimitedFig.p50).Seconds()*1e6),
			Reference: fmt.Sprintf("%.0f µs CPU per submission, limit off", unlimitedFig.cpu*1e6),
			Ratio:     cpu.String(),
			// The counter may cost at most a tenth of a submission's CPU.
			Target: "≤ 1.10× the CPU", Pass: cpu.atMost(1.1),
		},
	}
	return rows, nil
}

// submitFigures is what one proxied load measured besides its rate.
type submitFigures struct {
	p50, p99 time.Duration // of the POSTs saved (303)
	cpu      float64       // the machine's CPU seconds per submission saved
}

// String is the figures beside rate, as a row shows them.
func (f submitFigures) String(rate float64) string {
	return fmt.Sprintf("%s tx/s (p50 POST %s, p99 %s; machine CPU %.0f µs each)", thousands(rate),
		ms(f.p50.Seconds()), ms(f.p99.Seconds()), f.cpu*1e6)
}

// cpuPerSubmission is each run's machine CPU per submission, in order.
func cpuPerSubmission(runs []submitFigures) []float64 {
	var cpu []float64
	for _, r := range runs {
		cpu = append(cpu, r.cpu)
	}
	return cpu
}

// medianFigures takes the median of each figure over runs.
func medianFigures(runs []submitFigures) submitFigures {
	var p50, p99, cpu []float64
	for _, r := range runs {
		p50, p99, cpu = append(p50, float64(r.p50)), append(p99, float64(r.p99)), append(cpu, r.cpu)
	}
	return submitFigures{p50: time.Duration(median(p50)), p99: time.Duration(median(p99)), cpu: median(cpu)}
}

// proxiedLoad is one side of a comparison: a forwarded submit load through
// base, adding its figures to runs and returning its rate.
func proxiedLoad(ctx context.Context, base string, n int, dur time.Duration, runs *[]submitFigures) func() (float64, error) {
	return func() (float64, error) {
		before, err := machineBusy()
		if err != nil {
			return 0, err
		}
		res, err := runForwardedSubmitLoad(ctx, base, n, dur, 5*time.Second)
		if err != nil {
			return 0, err
		}
		after, err := machineBusy()
		if err != nil {
			return 0, err
		}
		if bad := res.unexpected(http.StatusSeeOther); bad != "" {
			return 0, fmt.Errorf("through %s: %s", base, bad)
		}
		saved := len(res.latency[http.StatusSeeOther])
		*runs = append(*runs, submitFigures{
			p50: res.p50(http.StatusSeeOther), p99: res.p99(http.StatusSeeOther),
			cpu: (after - before) / float64(max(saved, 1)),
		})
		return res.rate(http.StatusSeeOther), nil
	}
}

// startProxy starts nginx in front of the portals, as deploy/nginx.conf
// does, with one listener per upstream; it returns their base URLs, in
// the order of upstreams.
func startProxy(ctx context.Context, e *env, nginx string, upstreams [][]*portal) (*nginxServer, []string, error) {
	var b strings.Builder
	b.WriteString(`  keepalive_requests 100000;
  # The load generator stands where a TLS terminator would: the visitor is
  # its X-Forwarded-For, as deploy/nginx.conf says to set behind one.
  set_real_ip_from 127.0.0.1;
  real_ip_header X-Forwarded-For;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_next_upstream error timeout http_502 http_503 http_504;
  proxy_connect_timeout 2s;
  proxy_read_timeout 60s;
  proxy_cache off;
`)
	var bases []string
	for i, servers := range upstreams {
		addr, err := freeAddr()
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(&b, "  upstream intake%d {\n", i)
		for _, p := range servers {
			fmt.Fprintf(&b, "    server %s max_fails=3 fail_timeout=10s;\n", strings.TrimPrefix(p.base, "http://"))
		}
		fmt.Fprintf(&b, "    keepalive 32;\n  }\n  server {\n    listen %s;\n    location / { proxy_pass http://intake%d; }\n  }\n", addr, i)
		bases = append(bases, "http://"+addr)
	}
	ng, err := runNginx(ctx, e, nginx, strings.TrimPrefix(bases[0], "http://"), b.String(), pinning{})
	return ng, bases, err
}

// checkCountedByVisitor makes sure the submission limit counted the visits
// by their own addresses: counted by nginx's, they would all meet on one
// row of the counter, and the rows would measure a load no site sees.
func checkCountedByVisitor(ctx context.Context, dbURL string) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var clients int
	var loopback bool
	err = db.QueryRowContext(ctx, `SELECT count(DISTINCT client), coalesce(bool_or(client = '127.0.0.1'), false)
FROM rate_limits WHERE purpose = 'submit'`).Scan(&clients, &loopback)
	switch {
	case err != nil:
		return fmt.Errorf("read the submission counter: %w", err)
	case clients < 2 || loopback:
		return fmt.Errorf("the submission limit counted %d address(es), nginx's among them: %v; want each visit's own", clients, loopback)
	}
	return nil
}
