package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func init() { register(20, "pages", benchPages) }

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
