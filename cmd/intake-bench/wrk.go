package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// served is one server's medians under the load.
type served struct {
	rps     float64
	p99     float64 // seconds
	cpu     float64 // CPU seconds (user and system) per request
	userCPU float64 // of which in user space
}

type loadResult struct {
	portal, bare, nginx served
	load                string // how the load was made

	// The portal beside each reference, round by round (see compared).
	rps, p99, cpu compared // beside the bare server
	nginxRPS      compared
	nginxP99      compared
}

// target is one server under load: where to send it and which process
// (with its children, as nginx's workers) does the work.
type target struct {
	url string
	pid int
}

// compareServers loads the portal, a bare Go server and nginx with the
// same wrk settings, as a client sending acceptEncoding ("" sends no
// Accept-Encoding), taking turns (who goes first rotates each round) so
// that drift on a shared machine hits all three; medians of requests/s,
// of p99 latency and of the CPU time each request cost the server. wrk
// runs on the CPUs pin gives the load, and the servers must have been
// started on the ones it gives the server.
func compareServers(ctx context.Context, e *env, wrk, acceptEncoding string, pin pinning, portal, bare, nginx target) (loadResult, error) {
	threads, conns, dur := pin.loadThreads(2), 32, 5*time.Second
	if e.smoke {
		dur = time.Second
	}
	targets := []target{portal, bare, nginx}
	if !e.smoke { // warm all up: first connections, page cache, CPU frequency
		for _, t := range targets {
			if _, err := runWrk(ctx, wrk, pin, t.url, acceptEncoding, threads, conns, dur); err != nil {
				return loadResult{}, err
			}
		}
	}
	runs := make([][]served, len(targets))
	for i := range e.rounds {
		for j := range targets {
			k := (i + j) % len(targets)
			if err := quiet.wait(ctx); err != nil {
				return loadResult{}, err
			}
			before, err := cpuTime(targets[k].pid)
			if err != nil {
				return loadResult{}, err
			}
			w, err := runWrk(ctx, wrk, pin, targets[k].url, acceptEncoding, threads, conns, dur)
			if err != nil {
				return loadResult{}, err
			}
			after, err := cpuTime(targets[k].pid)
			if err != nil {
				return loadResult{}, err
			}
			runs[k] = append(runs[k], served{rps: w.rps, p99: w.p99,
				cpu:     (after.total() - before.total()) / float64(w.requests),
				userCPU: (after.user - before.user) / float64(w.requests)})
		}
	}
	load := fmt.Sprintf("%swrk -t%d -c%d -d%s --latency", pin.loadPrefix(), threads, conns, dur)
	if acceptEncoding != "" {
		load += fmt.Sprintf(" -H 'Accept-Encoding: %s'", acceptEncoding)
	}
	return loadResult{
		portal: medianServed(runs[0]), bare: medianServed(runs[1]), nginx: medianServed(runs[2]),
		load: load + ", keep-alive",
		rps:  compare(measure(runs[0], servedRPS), measure(runs[1], servedRPS)),
		p99:  compare(measure(runs[0], servedP99), measure(runs[1], servedP99)),
		cpu:  compare(measure(runs[0], servedCPU), measure(runs[1], servedCPU)),

		nginxRPS: compare(measure(runs[0], servedRPS), measure(runs[2], servedRPS)),
		nginxP99: compare(measure(runs[0], servedP99), measure(runs[2], servedP99)),
	}, nil
}

func servedRPS(s served) float64 { return s.rps }
func servedP99(s served) float64 { return s.p99 }
func servedCPU(s served) float64 { return s.cpu }

// measure is one figure of each run, in the order run.
func measure(runs []served, figure func(served) float64) []float64 {
	var xs []float64
	for _, r := range runs {
		xs = append(xs, figure(r))
	}
	return xs
}

// medianServed takes the median of each measure over one server's runs.
func medianServed(runs []served) served {
	var rps, p99, cpu, user []float64
	for _, r := range runs {
		rps, p99 = append(rps, r.rps), append(p99, r.p99)
		cpu, user = append(cpu, r.cpu), append(user, r.userCPU)
	}
	return served{rps: median(rps), p99: median(p99), cpu: median(cpu), userCPU: median(user)}
}

// cpuSeconds is the CPU time a process has used, in seconds.
type cpuSeconds struct{ user, system float64 }

func (c cpuSeconds) total() float64 { return c.user + c.system }

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ), 100 on
// every Linux architecture Go runs on.
const userHZ = 100

// cpuTime reads the user and system CPU time of a process and of its live
// children (nginx's workers) from /proc.
func cpuTime(pid int) (cpuSeconds, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuSeconds{}, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, where field 3 (state) begins.
	stat := string(b)
	rest := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	if len(rest) < 13 {
		return cpuSeconds{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(rest))
	}
	utime, err1 := strconv.ParseFloat(rest[11], 64) // field 14
	stime, err2 := strconv.ParseFloat(rest[12], 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return cpuSeconds{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	c := cpuSeconds{user: utime / userHZ, system: stime / userHZ}
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, f := range strings.Fields(string(children)) {
		child, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if cc, err := cpuTime(child); err == nil {
			c.user += cc.user
			c.system += cc.system
		}
	}
	return c, nil
}

var (
	wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99 = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkBad = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)

	wrkRequests = regexp.MustCompile(`(\d+) requests in `)
)

// wrkResult is what one wrk load measured.
type wrkResult struct {
	rps      float64
	p99      float64 // seconds
	requests int
}

// runWrk runs one wrk load on pin's load CPUs, as a client sending
// acceptEncoding ("" sends no Accept-Encoding, as wrk does by itself).
func runWrk(ctx context.Context, wrk string, pin pinning, u, acceptEncoding string, threads, conns int, dur time.Duration) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(dur.Seconds())), "--latency"}
	if acceptEncoding != "" {
		args = append(args, "-H", "Accept-Encoding: "+acceptEncoding)
	}
	name, args := pin.loadCommand(wrk, append(args, u)...)
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %v\n%s", u, err, out)
	}
	if m := wrkBad.FindString(string(out)); m != "" {
		return wrkResult{}, fmt.Errorf("wrk %s: %s\n%s", u, m, out)
	}
	m := wrkRPS.FindSubmatch(out)
	l := wrkP99.FindSubmatch(out)
	n := wrkRequests.FindSubmatch(out)
	if m == nil || l == nil || n == nil {
		return wrkResult{}, fmt.Errorf("wrk %s: unexpected output:\n%s", u, out)
	}
	var r wrkResult
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	r.p99, _ = strconv.ParseFloat(string(l[1]), 64)
	r.requests, _ = strconv.Atoi(string(n[1]))
	switch string(l[2]) {
	case "us":
		r.p99 /= 1e6
	case "ms":
		r.p99 /= 1e3
	}
	if r.requests == 0 {
		return wrkResult{}, fmt.Errorf("wrk %s: no requests served:\n%s", u, out)
	}
	return r, nil
}

// micros writes CPU seconds per request as microseconds, with the part
// spent in user space.
func micros(s served) string {
	return fmt.Sprintf("%.1f µs (user %.1f)", s.cpu*1e6, s.userCPU*1e6)
}

func millis(s float64) string { return fmt.Sprintf("%.2f ms", s*1000) }
