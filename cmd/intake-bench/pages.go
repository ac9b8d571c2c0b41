package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func init() { register(20, "pages", benchPages) }

// lighthouseVersion is the Lighthouse the pages are scored with; .ci/deps.sh
// installs the same one into .cache/npm.
const lighthouseVersion = "12.2.3"

// acceptEncoding is what a browser says it takes that both servers could
// answer: nginx serves a .gz beside each file, the portal its gzip from
// memory.
const acceptEncoding = "gzip"

// benchPages measures the public pages: the article and the stylesheet
// against nginx serving the very same bytes from disk, Lighthouse's scores
// on the article, the diagnostic and a result, and each page's weight.
func benchPages(ctx context.Context, e *env) ([]row, error) {
	nginx, err := e.need(ctx, "nginx", "nginx")
	if err != nil {
		return nil, err
	}
	wrk, err := e.need(ctx, "wrk", "wrk")
	if err != nil {
		return nil, err
	}
	dbURL, err := e.newDatabase(ctx, "pages")
	if err != nil {
		return nil, err
	}
	p, _, err := e.startPortal(ctx, dbURL, defaults)
	if err != nil {
		return nil, err
	}
	defer p.stop()

	const articlePath = "/articles/leadership-vs-management"
	page, _, err := fetch(p.base+articlePath, "")
	if err != nil {
		return nil, err
	}
	cssPath := regexp.MustCompile(`href="(/static/css/site\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(string(page))
	if cssPath == nil {
		return nil, errors.New("no stylesheet link on the article")
	}

	// nginx serves a copy of what the portal answers, from disk, with the
	// same headers: the same bytes and the same work for the network.
	docroot := filepath.Join(e.work, "nginx-root")
	targets := []struct{ job, path string }{
		{"article page `GET " + articlePath + "`", articlePath},
		{"stylesheet at its hashed URL", cssPath[1]},
	}
	var headers http.Header
	encodings := map[string]string{}
	for _, t := range targets {
		hdr, enc, err := mirror(p.base, t.path, docroot)
		if err != nil {
			return nil, err
		}
		if headers == nil {
			headers = hdr
		}
		encodings[t.path] = enc
	}
	ng, err := startNginx(ctx, e, nginx, docroot, headers)
	if err != nil {
		return nil, err
	}
	defer ng.stop()
	bare, err := startBareGo(docroot, headers)
	if err != nil {
		return nil, err
	}
	defer bare.Close()

	var rows []row
	for _, t := range targets {
		// The copy must really be the same: same body, same encoding.
		a, _, err := fetch(p.base+t.path, acceptEncoding)
		if err != nil {
			return nil, err
		}
		b, _, err := fetch(ng.base+t.path, acceptEncoding)
		if err != nil {
			return nil, err
		}
		if string(a) != string(b) {
			return nil, fmt.Errorf("nginx answers %s with %d bytes, the portal with %d", t.path, len(b), len(a))
		}
		r, err := compareWithNginx(ctx, e, wrk, target{p.base + t.path, p.cmd.Process.Pid},
			target{ng.base + t.path, ng.cmd.Process.Pid}, target{"http://" + bare.Addr + t.path, bare.cmd.Process.Pid})
		if err != nil {
			return nil, err
		}
		enc := encodings[t.path]
		if enc == "" {
			enc = "uncompressed"
		}
		limit := fmt.Sprintf("nginx, the same %s bytes (%d B) from disk", enc, len(a))
		rows = append(rows,
			row{Job: t.job + ", requests/s", Limit: limit,
				Portal: thousands(r.portal.rps) + " req/s", Reference: thousands(r.nginx.rps) + " req/s",
				Ratio: ratio(r.portal.rps, r.nginx.rps), Target: "≥ 0.90×", Pass: r.portal.rps >= 0.9*r.nginx.rps},
			row{Job: t.job + ", p99 latency", Limit: limit + "; " + r.load,
				Portal: millis(r.portal.p99), Reference: millis(r.nginx.p99),
				Ratio: ratio(r.portal.p99, r.nginx.p99), Target: "≤ 1.20×", Pass: r.portal.p99 <= 1.2*r.nginx.p99},
			// Not targets: how much of the gap is Go's HTTP server itself,
			// and where each server's time goes.
			row{Job: t.job + ", beside Go's bare net/http", Limit: "a bare Go net/http handler with the same bytes and headers in memory (a process of its own, same load)",
				Portal:    fmt.Sprintf("%s req/s (p99 %s)", thousands(r.portal.rps), millis(r.portal.p99)),
				Reference: fmt.Sprintf("%s req/s (p99 %s)", thousands(r.bare.rps), millis(r.bare.p99)),
				Ratio:     ratio(r.portal.rps, r.bare.rps)},
			row{Job: t.job + ", server CPU time per request", Limit: "nginx (master and workers), from /proc; the bare Go server: " + micros(r.bare),
				Portal: micros(r.portal), Reference: micros(r.nginx), Ratio: ratio(r.portal.cpu, r.nginx.cpu)},
		)
	}

	// A result page needs a lead: submit the diagnostic once, as a visitor would.
	result, err := submitDiagnostic(p.base)
	if err != nil {
		return nil, err
	}
	pages := []struct{ name, path string }{
		{"article", articlePath},
		{"diagnostic", "/diagnostic"},
		{"result", result},
	}
	for _, pg := range pages {
		w, parts, err := pageWeight(p.base, pg.path)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{Job: pg.name + " page weight (HTML, CSS, JS, images; uncompressed)", Limit: parts,
			Portal: fmt.Sprintf("%.1f KB", float64(w)/1000), Target: "< 60 KB", Pass: w < 60_000})
	}

	lighthouse, err := e.needLighthouse(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := e.need(ctx, "chromium", "chromium"); err != nil {
		return nil, err
	}
	if e.smoke {
		pages = pages[:1] // a Lighthouse run takes a while: one page proves the row still works
	}
	for _, pg := range pages {
		var skip []string
		job := "Lighthouse, " + pg.name + " (mobile): perf / a11y / best practices / SEO"
		if pg.name == "result" {
			// A result is private by design (noindex), which Lighthouse's
			// SEO category counts against it; the rest of SEO still counts.
			skip = append(skip, "is-crawlable")
			job += " (SEO without is-crawlable: private page, noindex by design)"
		}
		scores, err := runLighthouse(ctx, e, lighthouse, p.base+pg.path, skip)
		if err != nil {
			return nil, err
		}
		pass, parts := true, make([]string, len(lighthouseCategories))
		for i, c := range lighthouseCategories {
			parts[i] = strconv.Itoa(scores[c])
			pass = pass && scores[c] >= 95
		}
		rows = append(rows, row{Job: job, Limit: "Lighthouse " + lighthouseVersion + ", Chromium",
			Portal: strings.Join(parts, " / "), Target: "each ≥ 95", Pass: pass})
	}
	if e.smoke {
		rows = append(rows, row{Job: "Lighthouse, diagnostic and result", Portal: "skipped in smoke mode"})
	}
	return measuredWith(defaults, rows), nil
}

// fetch GETs u as a browser asking for encoding would ("" asks for none)
// and returns the body as sent, undecoded.
func fetch(u, encoding string) ([]byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s = %d", u, res.StatusCode)
	}
	return b, res.Header, nil
}

// mirror copies the portal's answer for path under docroot, as the plain
// file and, when the portal compresses it, beside it as the .gz that
// nginx's gzip_static serves. It returns the plain answer's headers and
// the encoding the portal used.
func mirror(base, path, docroot string) (http.Header, string, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, "", err
	}
	file := filepath.Join(docroot, filepath.FromSlash(u.Path))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, "", err
	}
	plain, hdr, err := fetch(base+path, "")
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(file, plain, 0o644); err != nil {
		return nil, "", err
	}
	gz, ghdr, err := fetch(base+path, acceptEncoding)
	if err != nil {
		return nil, "", err
	}
	enc := ghdr.Get("Content-Encoding")
	if enc == "gzip" {
		if err := os.WriteFile(file+".gz", gz, 0o644); err != nil {
			return nil, "", err
		}
	}
	return hdr, enc, nil
}

// nginxServer is one nginx run for this benchmark.
type nginxServer struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// copiedHeaders are the portal's headers that nginx adds too, so both send
// the same bytes over the wire.
var copiedHeaders = []string{
	"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
	"Permissions-Policy", "X-Frame-Options", "Cache-Control",
}

func startNginx(ctx context.Context, e *env, nginx, docroot string, hdr http.Header) (*nginxServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(e.work, "nginx-")
	if err != nil {
		return nil, err
	}
	var adds strings.Builder
	for _, name := range copiedHeaders {
		if v := hdr.Get(name); v != "" {
			fmt.Fprintf(&adds, "      add_header %s %q always;\n", name, v)
		}
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n"
	}
	conf := fmt.Sprintf(`%sdaemon off;
master_process on;
worker_processes auto;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server_tokens off;
  types { text/css css; application/javascript js; image/svg+xml svg; }
  default_type "text/html; charset=utf-8";
  gzip off;
  gzip_static on;
  gzip_vary on;
  server {
    listen %[3]s;
    root %[4]s;
    location / {
%[5]s    }
  }
}
`, user, dir, addr, docroot, adds.String())
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	logs, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &nginxServer{cmd: cmd, base: "http://" + addr, done: make(chan error, 1)}
	go func() { n.done <- cmd.Wait(); logs.Close() }()
	for start := time.Now(); ; {
		if res, err := http.Get(n.base + "/"); err == nil {
			res.Body.Close()
			return n, nil
		}
		select {
		case err := <-n.done:
			out, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			errOut, _ := os.ReadFile(logs.Name())
			return nil, fmt.Errorf("nginx exited (%v):\n%s%s", err, out, errOut)
		case <-ctx.Done():
			n.stop()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Since(start) > 10*time.Second {
			n.stop()
			return nil, errors.New("nginx did not answer within 10 s")
		}
	}
}

// stop asks nginx to finish (SIGQUIT: graceful) and waits for it.
func (n *nginxServer) stop() { stopProcess(n.cmd, n.done, syscall.SIGQUIT, 10*time.Second) }

// served is one server's medians under the load.
type served struct {
	rps     float64
	p99     float64 // seconds
	cpu     float64 // CPU seconds (user and system) per request
	userCPU float64 // of which in user space
}

type loadResult struct {
	portal, nginx, bare served
	load                string // how the load was made
}

// target is one server under load: where to send it and which process
// (with its children, as nginx's workers) does the work.
type target struct {
	url string
	pid int
}

// compareWithNginx loads the portal, nginx and a bare Go server with the
// same wrk settings, taking turns (who goes first rotates each round) so
// that drift on a shared machine hits all three; medians of requests/s,
// of p99 latency and of the CPU time each request cost the server.
func compareWithNginx(ctx context.Context, e *env, wrk string, portal, nginx, bare target) (loadResult, error) {
	threads, conns, dur := 2, 32, 5*time.Second
	if e.smoke {
		dur = time.Second
	}
	targets := []target{portal, nginx, bare}
	if !e.smoke { // warm all up: first connections, page cache, CPU frequency
		for _, t := range targets {
			if _, err := runWrk(ctx, wrk, t.url, threads, conns, dur); err != nil {
				return loadResult{}, err
			}
		}
	}
	runs := make([][]served, len(targets))
	for i := range e.rounds {
		for j := range targets {
			k := (i + j) % len(targets)
			before, err := cpuTime(targets[k].pid)
			if err != nil {
				return loadResult{}, err
			}
			w, err := runWrk(ctx, wrk, targets[k].url, threads, conns, dur)
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
	return loadResult{
		portal: medianServed(runs[0]), nginx: medianServed(runs[1]), bare: medianServed(runs[2]),
		load: fmt.Sprintf("wrk -t%d -c%d -d%s --latency -H 'Accept-Encoding: %s', keep-alive", threads, conns, dur, acceptEncoding),
	}, nil
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

// bareGo is Go's HTTP server with nothing of the portal's, serving the
// same files and headers from memory in a process of its own (this
// program, run again), so that it shares neither heap nor scheduler with
// the benchmark.
type bareGo struct {
	cmd  *exec.Cmd
	done chan error
	Addr string
}

// bareServerArg, as this program's first argument, makes it the bare
// server: bareServerArg DOCROOT ADDR, with the headers as JSON on stdin.
const bareServerArg = "bare-net-http"

func startBareGo(docroot string, hdr http.Header) (*bareGo, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fixed := http.Header{}
	for _, name := range copiedHeaders {
		if v := hdr.Get(name); v != "" {
			fixed.Set(name, v)
		}
	}
	headers, err := json.Marshal(fixed)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, bareServerArg, docroot, addr)
	cmd.Stdin = strings.NewReader(string(headers))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &bareGo{cmd: cmd, done: make(chan error, 1), Addr: addr}
	go func() { b.done <- cmd.Wait() }()
	for start := time.Now(); ; {
		if res, err := http.Get("http://" + addr + "/"); err == nil {
			res.Body.Close()
			return b, nil
		}
		select {
		case err := <-b.done:
			return nil, fmt.Errorf("the bare Go server exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Since(start) > 10*time.Second {
			b.Close()
			return nil, errors.New("the bare Go server did not answer within 10 s")
		}
	}
}

// Close stops the bare server.
func (b *bareGo) Close() { stopProcess(b.cmd, b.done, os.Interrupt, 5*time.Second) }

// serveBare is the bare server's process: every file under docroot (with
// its .gz beside it, as nginx's gzip_static reads them) from memory, with
// the headers read from stdin. It never returns.
func serveBare(docroot, addr string) {
	var fixed http.Header
	if err := json.NewDecoder(os.Stdin).Decode(&fixed); err != nil {
		log.Fatal(err)
	}
	type file struct{ plain, gz []byte }
	files := map[string]file{}
	err := filepath.WalkDir(docroot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".gz") {
			return err
		}
		var f file
		if f.plain, err = os.ReadFile(path); err != nil {
			return err
		}
		f.gz, _ = os.ReadFile(path + ".gz")
		rel, _ := filepath.Rel(docroot, path)
		files["/"+filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range fixed {
			h[k] = v
		}
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		if strings.HasSuffix(r.URL.Path, ".css") {
			h["Content-Type"] = []string{"text/css; charset=utf-8"}
		}
		body := f.plain
		if f.gz != nil {
			h["Vary"] = []string{"Accept-Encoding"}
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				body = f.gz
				h["Content-Encoding"] = []string{"gzip"}
			}
		}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	os.Exit(0)
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

// runWrk runs one wrk load.
func runWrk(ctx context.Context, wrk, u string, threads, conns int, dur time.Duration) (wrkResult, error) {
	cmd := exec.CommandContext(ctx, wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%ds", int(dur.Seconds())), "--latency", "-H", "Accept-Encoding: "+acceptEncoding, u)
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

// submitDiagnostic fills in the diagnostic as a visitor without JavaScript
// would and returns the path of the result it leads to.
func submitDiagnostic(base string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/diagnostic")
	if err != nil {
		return "", err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return "", err
	}
	form := url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "company": {"Analytical Engines"},
		"role": {"Head of Operations"}, "consent_summary": {"yes"}}
	for _, m := range regexp.MustCompile(`type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllSubmatch(page, -1) {
		form.Set(string(m[1]), htmlUnescape(string(m[2])))
	}
	for i := 1; i <= 12; i++ {
		form.Set(fmt.Sprintf("a.q%d", i), strconv.Itoa(1+i%5))
	}
	res, err = client.PostForm(base+"/diagnostic", form)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/results/") {
		return "", fmt.Errorf("POST /diagnostic = %d (Location %q), want 303 to a result", res.StatusCode, loc)
	}
	return loc, nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// staticRef finds what a page loads from the site: stylesheets, scripts,
// icons and images.
var staticRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// pageWeight is the uncompressed size of a page and of everything it
// loads from /static, and a description of the parts.
func pageWeight(base, path string) (int, string, error) {
	page, _, err := fetch(base+path, "")
	if err != nil {
		return 0, "", err
	}
	total := len(page)
	parts := []string{fmt.Sprintf("HTML %.1f KB", float64(len(page))/1000)}
	seen := map[string]bool{}
	for _, m := range staticRef.FindAllSubmatch(page, -1) {
		ref := htmlUnescape(string(m[1]))
		if seen[ref] {
			continue
		}
		seen[ref] = true
		b, _, err := fetch(base+ref, "")
		if err != nil {
			return 0, "", err
		}
		total += len(b)
		name, _, _ := strings.Cut(strings.TrimPrefix(ref, "/static/"), "?")
		parts = append(parts, fmt.Sprintf("%s %.1f KB", name, float64(len(b))/1000))
	}
	return total, strings.Join(parts, " + "), nil
}

// needLighthouse returns the Lighthouse command, installing it into
// .cache/npm as .ci/deps.sh does when it is missing or another version.
func (e *env) needLighthouse(ctx context.Context) (string, error) {
	if _, err := e.need(ctx, "node", "nodejs"); err != nil {
		return "", err
	}
	prefix := filepath.Join(e.root, ".cache", "npm")
	cli := filepath.Join(prefix, "node_modules", "lighthouse", "cli", "index.js")
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(prefix, "node_modules", "lighthouse", "package.json")); err == nil {
		_ = json.Unmarshal(b, &pkg)
	}
	if pkg.Version == lighthouseVersion {
		return cli, nil
	}
	if _, err := e.need(ctx, "npm", "npm"); err != nil {
		return "", err
	}
	e.log.Printf("installing lighthouse %s into %s", lighthouseVersion, prefix)
	cmd := exec.CommandContext(ctx, "npm", "install", "--silent", "--no-audit", "--no-fund", "--save-exact", "--prefix", prefix, "lighthouse@"+lighthouseVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install lighthouse: %v\n%s", err, out)
	}
	return cli, nil
}

var lighthouseCategories = []string{"performance", "accessibility", "best-practices", "seo"}

// chromeFlags keep Chromium quiet and headless: no network of its own, no
// updates, no sandbox (the benchmark may run as root).
const chromeFlags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"

// runLighthouse scores one page with the mobile form factor (Lighthouse's
// default) and returns each category's score out of 100.
func runLighthouse(ctx context.Context, e *env, cli, u string, skip []string) (map[string]int, error) {
	out, err := os.CreateTemp(e.work, "lighthouse-*.json")
	if err != nil {
		return nil, err
	}
	out.Close()
	args := []string{cli, u, "--quiet", "--output=json", "--output-path=" + out.Name(),
		"--only-categories=" + strings.Join(lighthouseCategories, ","), "--chrome-flags=" + chromeFlags}
	if len(skip) > 0 {
		args = append(args, "--skip-audits="+strings.Join(skip, ","))
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH=/usr/bin/chromium")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("lighthouse %s: %v\n%s", u, err, msg)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, err
	}
	var report struct {
		RuntimeError *struct{ Code, Message string }
		Categories   map[string]struct {
			Score *float64
		}
		Audits map[string]struct {
			Title string
			Score *float64
		}
	}
	if err := json.Unmarshal(b, &report); err != nil {
		return nil, fmt.Errorf("lighthouse %s: %v", u, err)
	}
	if report.RuntimeError != nil && report.RuntimeError.Code != "" {
		return nil, fmt.Errorf("lighthouse %s: %s: %s", u, report.RuntimeError.Code, report.RuntimeError.Message)
	}
	scores := map[string]int{}
	for _, c := range lighthouseCategories {
		s := report.Categories[c].Score
		if s == nil {
			return nil, fmt.Errorf("lighthouse %s: no %s score", u, c)
		}
		scores[c] = int(*s*100 + 0.5)
	}
	// Name what keeps a score down, so a miss says what to fix.
	for id, a := range report.Audits {
		if a.Score != nil && *a.Score < 0.9 {
			e.log.Printf("lighthouse %s: %s (%s) scores %.2f", u, id, a.Title, *a.Score)
		}
	}
	return scores, nil
}
