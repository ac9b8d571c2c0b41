package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func init() { register(20, "pages", benchPages) }

// articlePath is the article the pages rows measure.
const articlePath = "/articles/leadership-vs-management"

// benchPages measures the public pages: the article and the stylesheet,
// for gzip and for plain clients, against a bare Go net/http server and
// nginx serving the very same bytes; Lighthouse's scores on the article,
// the diagnostic and a result; and each page's weight. On a machine with
// two CPUs or more, wrk runs on one and each server under load, the
// portal and the references alike, on the others (see pinning); weights
// and Lighthouse are measured on a portal at its defaults, unpinned.
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
	// The portal under load runs alone, pinned as the references are.
	pin := machinePinning()
	e.note(pin.describe())
	loadedWith := pin.portal(defaults)
	loaded, _, err := e.startPortal(ctx, dbURL, loadedWith)
	if err != nil {
		return nil, err
	}
	loadRows, err := compareWithReferences(ctx, e, nginx, wrk, pin, loaded)
	loaded.stop()
	if err != nil {
		return nil, err
	}

	// Weights and Lighthouse: the portal at its defaults, unpinned.
	p, _, err := e.startPortal(ctx, dbURL, defaults)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	var rows []row

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
			Portal: fmt.Sprintf("%.1f KB", float64(w)/1000), Target: "< 60 KB", Pass: under(float64(w), 60_000)})
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
		parts := make([]string, len(lighthouseCategories))
		for i, c := range lighthouseCategories {
			parts[i] = strconv.Itoa(scores[c])
		}
		rows = append(rows, row{Job: job, Limit: "Lighthouse " + lighthouseVersion + ", Chromium",
			Portal: strings.Join(parts, " / "), Target: "each ≥ 95", Pass: allAtLeast(scores, lighthouseCategories, 95)})
	}
	if e.smoke {
		rows = append(rows, row{Job: "Lighthouse, diagnostic and result", Portal: "skipped in smoke mode"})
	}
	return append(measuredWith(loadedWith, loadRows), measuredWith(defaults, rows)...), nil
}

// compareWithReferences measures the portal p serving the article and its
// stylesheet beside a bare Go server and nginx, started on the CPUs pin
// gives the server under test, as p must have been.
func compareWithReferences(ctx context.Context, e *env, nginx, wrk string, pin pinning, p *portal) ([]row, error) {
	page, _, err := fetch(p.base+articlePath, "")
	if err != nil {
		return nil, err
	}
	cssPath := regexp.MustCompile(`href="(/static/css/site\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(string(page))
	if cssPath == nil {
		return nil, errors.New("no stylesheet link on the article")
	}

	// The bare Go server and nginx serve copies of what the portal answers
	// each kind of client, with the same headers: the same bytes and the
	// same work for the network.
	paths := []string{articlePath, cssPath[1]}
	jobs := []string{"article page `GET " + articlePath + "`", "stylesheet at its hashed URL"}
	docroot := filepath.Join(e.work, "nginx-root")
	var files []servedFile
	for _, path := range paths {
		f, err := capture(p.base, path)
		if err != nil {
			return nil, err
		}
		if err := f.writeTo(docroot); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	ng, err := startNginx(ctx, e, nginx, docroot, files, pin)
	if err != nil {
		return nil, err
	}
	defer ng.stop()
	bare, err := startBareGo(files, pin)
	if err != nil {
		return nil, err
	}
	defer bare.Close()
	e.note("Bare net/http: this program again, in a process of its own, with PATH, HOME and TMPDIR only (Go's defaults), answering each page with the bytes and headers the portal sent for it, from memory")
	e.note("nginx " + ng.version + ": the portal's bytes from disk (the gzip answer as a .gz beside each file, sent by gzip_static), its security and cache headers and Content-Type, `worker_processes " + pin.nginxWorkers() + "`, sendfile, no access log")
	return compareStatic(ctx, e, wrk, pin, p, bare, ng, files, jobs)
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
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	res, err := hc.Do(req)
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
