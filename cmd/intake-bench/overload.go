package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"
)

func init() { register(35, "overload", benchOverloadRow) }

// refusalLimit is how soon a visitor the portal cannot serve must hear so.
const refusalLimit = time.Second

// overloadVisitors is how many visitors at once make an overload: as many
// as the portal completes submissions a second (rate), at least ten times
// the concurrency it serves well (n). Each visit is two requests, so that
// many visitors would each wait about half a second for a turn, longer
// than the portal lets a request wait before it refuses it: the load must
// make the portal refuse, or the row cannot show how it refuses.
func overloadVisitors(n int, rate float64) int {
	return max(10*n, int(math.Ceil(rate)))
}

// overloadOutcome is what the overload load saw.
type overloadOutcome struct {
	visits     int           // answered, refused or timed out
	accepted   int           // submissions saved (303)
	savedP99   time.Duration // how long a saved submission's POST took, p99
	refused    int           // forms and submissions refused (503, 429)
	refusedP99 time.Duration // how long a refusal took, p99
	timeouts   int           // requests that got no answer in time
	failures   int           // any other answer, and failed requests
}

// met is the overload row's verdict: the portal refused what it could
// not serve, quickly, and every visitor got an answer. A load that was
// never refused proves nothing about refusing, so it does not pass.
func (o overloadOutcome) met() bool {
	return o.refused > 0 && o.refusedP99 < refusalLimit && o.timeouts == 0 && o.failures == 0
}

// benchOverloadRow sizes the overload from the submit row's rate, or, when
// that row did not run, from a load of its own at the submit row's
// concurrency, and drives it at a fresh portal on a fresh database.
func benchOverloadRow(ctx context.Context, e *env) ([]row, error) {
	dbURL, err := e.newDatabase(ctx, "overload")
	if err != nil {
		return nil, err
	}
	dur := 10 * time.Second
	if e.smoke {
		dur = time.Second
	}
	n, rate := submitConcurrency(), e.submitRate
	if rate == 0 {
		// On a database of its own: each start generates its own secret,
		// and a database takes only the one it was first used with.
		sizing, err := e.newDatabase(ctx, "overload_sizing")
		if err != nil {
			return nil, err
		}
		p, _, err := e.startPortal(ctx, sizing, loadTest)
		if err != nil {
			return nil, err
		}
		// Warmed up first, as the submit row is: connections, caches.
		res, err := runSubmitLoad(ctx, p.base, n, dur/4, 5*time.Second)
		if err == nil {
			res, err = runSubmitLoad(ctx, p.base, n, dur/2, 5*time.Second)
		}
		p.stop()
		if err != nil {
			return nil, err
		}
		if bad := res.unexpected(http.StatusSeeOther); bad != "" {
			return nil, fmt.Errorf("sizing the overload: %s", bad)
		}
		rate = res.rate(http.StatusSeeOther)
		e.log.Printf("overload: %.0f submissions/s at %d at once sizes the load", rate, n)
	}
	rows, err := benchOverload(ctx, e, dbURL, overloadVisitors(n, rate), dur)
	if err != nil {
		return nil, err
	}
	return measuredWith(loadTest, rows), nil
}

// benchOverload drives visitors at once at a fresh portal, in two halves,
// and checks that what it cannot take is refused quickly instead of
// queueing into timeouts, and that memory stays bounded: the peak after
// the second half is no higher than after the first.
func benchOverload(ctx context.Context, e *env, dbURL string, visitors int, dur time.Duration) ([]row, error) {
	p, _, err := e.startPortal(ctx, dbURL, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	time.Sleep(time.Second) // let start-up garbage be collected
	before, _, err := p.memory()
	if err != nil {
		return nil, err
	}
	const timeout = 5 * time.Second
	half := max(dur/2, time.Second)
	res := &submitResult{latency: map[int][]time.Duration{}}
	var peaks [2]int64
	for i := range peaks {
		r, err := runSubmitLoad(ctx, p.base, visitors, half, timeout)
		if err != nil {
			return nil, err
		}
		for code, l := range r.latency {
			res.latency[code] = append(res.latency[code], l...)
		}
		res.timeouts += r.timeouts
		res.problems += r.problems
		if res.firstBad == "" {
			res.firstBad = r.firstBad
		}
		if _, peaks[i], err = p.memory(); err != nil {
			return nil, err
		}
	}
	o := outcomeOf(res)
	if res.firstBad != "" {
		e.log.Printf("overload: first failed request: %s", res.firstBad)
	}
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	return []row{
		{
			Job:    fmt.Sprintf("overload: %s visitors at once (as many as the submissions/s above; a refused visitor tries again at once), %s", thousands(float64(visitors)), 2*half),
			Portal: o.String(),
			Target: fmt.Sprintf("some refused, refusals p99 < %s, no timeouts, nothing else", refusalLimit),
			Pass:   o.met(),
		},
		{
			Job:    "overload: memory (RSS before, peak after each half)",
			Portal: fmt.Sprintf("%.0f MiB before, peak %.0f MiB, then %.0f MiB", mib(before), mib(peaks[0]), mib(peaks[1])),
			Target: "bounded: second half ≤ first + 10%",
			Pass:   bounded(peaks[0], peaks[1], 1.1),
		},
	}, nil
}

// outcomeOf sorts the overload load's answers.
func outcomeOf(res *submitResult) overloadOutcome {
	count := func(codes ...int) int {
		k := 0
		for _, c := range codes {
			k += len(res.latency[c])
		}
		return k
	}
	o := overloadOutcome{
		visits:     res.total(),
		accepted:   count(http.StatusSeeOther),
		savedP99:   res.p99(http.StatusSeeOther),
		refused:    count(http.StatusServiceUnavailable, http.StatusTooManyRequests),
		refusedP99: res.p99(http.StatusServiceUnavailable, http.StatusTooManyRequests),
		timeouts:   res.timeouts,
	}
	o.failures = o.visits - o.accepted - o.refused - o.timeouts + res.problems
	return o
}

// String is the overload row's figure.
func (o overloadOutcome) String() string {
	pct := func(k int) float64 { return 100 * float64(k) / float64(max(o.visits, 1)) }
	refused := "none refused"
	if o.refused > 0 {
		refused = "p99 " + ms(o.refusedP99.Seconds())
	}
	return fmt.Sprintf("%s visits: %s saved (%.1f%%, 303; p99 %s); %s refused (%.1f%%, 503/429; %s); %d timeouts; %d other or failed",
		thousands(float64(o.visits)), thousands(float64(o.accepted)), pct(o.accepted), ms(o.savedP99.Seconds()),
		thousands(float64(o.refused)), pct(o.refused), refused, o.timeouts, o.failures)
}
