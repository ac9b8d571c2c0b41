package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
)

// answer is what the portal sends one kind of client for one URL.
type answer struct {
	Header http.Header
	Body   []byte
}

// servedFile is one URL as the portal answers it to each kind of client;
// the bare server and nginx answer it with the same bytes.
type servedFile struct {
	Path  string // as requested, with its query
	Plain answer // to a client that takes no encoding
	Gzip  answer // to a client that takes gzip
}

// client is a kind of client the pages are measured for: what it sends as
// Accept-Encoding, and its name in the table.
type client struct {
	name           string
	acceptEncoding string
}

// clients are browsers, which all take gzip, and clients that ask for no
// encoding (scripts, some proxies, monitoring), which get the plain bytes.
var clients = []client{
	{name: "gzip client", acceptEncoding: "gzip"},
	{name: "plain client (no Accept-Encoding)", acceptEncoding: ""},
}

func (f servedFile) to(c client) answer {
	if c.acceptEncoding == "" {
		return f.Plain
	}
	return f.Gzip
}

// capture reads the portal's answers for path to each kind of client.
func capture(base, path string) (servedFile, error) {
	f := servedFile{Path: path}
	for _, c := range clients {
		body, hdr, err := fetch(base+path, c.acceptEncoding)
		if err != nil {
			return f, err
		}
		hdr.Del("Date") // each server sends the time it answers
		a := answer{Header: hdr, Body: body}
		if c.acceptEncoding == "" {
			f.Plain = a
		} else {
			f.Gzip = a
		}
	}
	return f, nil
}

// writeTo copies f under docroot as nginx serves it: the plain bytes as
// the file and, when the portal compresses them, the gzip bytes beside it
// as the .gz that gzip_static sends.
func (f servedFile) writeTo(docroot string) error {
	u, err := url.Parse(f.Path)
	if err != nil {
		return err
	}
	file := filepath.Join(docroot, filepath.FromSlash(u.Path))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(file, f.Plain.Body, 0o644); err != nil {
		return err
	}
	if f.Gzip.Header.Get("Content-Encoding") == "gzip" {
		return os.WriteFile(file+".gz", f.Gzip.Body, 0o644)
	}
	return nil
}

// varyingHeaders differ between two answers of the same server: each
// request gets its own ID.
var varyingHeaders = []string{"Date", "X-Request-Id"}

// sameAnswer checks that got is want: the same body and, when headers is
// set, the same headers but for those that vary per request.
func sameAnswer(want, got answer, headers bool) error {
	if !bytes.Equal(want.Body, got.Body) {
		return fmt.Errorf("%d bytes, the portal %d", len(got.Body), len(want.Body))
	}
	if a, b := want.Header.Get("Content-Encoding"), got.Header.Get("Content-Encoding"); a != b {
		return fmt.Errorf("Content-Encoding %q, the portal %q", b, a)
	}
	if !headers {
		return nil
	}
	for _, h := range []http.Header{want.Header, got.Header} {
		for k := range h {
			if slices.Contains(varyingHeaders, k) {
				continue
			}
			if !slices.Equal(want.Header[k], got.Header[k]) {
				return fmt.Errorf("%s: %q, the portal %q", k, got.Header[k], want.Header[k])
			}
		}
	}
	return nil
}

// compareStatic loads the portal, the bare Go server and nginx with each
// file, for each kind of client, and returns the rows: the targets are
// against the bare Go server, which shows what Go's HTTP server can do
// with the same bytes; nginx shows the machine's limit, without a target.
// All three must have been started on pin's server CPUs.
func compareStatic(ctx context.Context, e *env, wrk string, pin pinning, p *portal, bare *bareGo, ng *nginxServer, files []servedFile, jobs []string) ([]row, error) {
	var rows []row
	for i, f := range files {
		for _, c := range clients {
			want := f.to(c)
			// The copies must really be the same for this client.
			for _, s := range []struct {
				name, base string
				headers    bool
			}{{"the portal", p.base, true}, {"the bare Go server", bare.base, true}, {"nginx", ng.base, false}} {
				body, hdr, err := fetch(s.base+f.Path, c.acceptEncoding)
				if err != nil {
					return nil, err
				}
				if err := sameAnswer(want, answer{Header: hdr, Body: body}, s.headers); err != nil {
					return nil, fmt.Errorf("%s answers a %s for %s with %v", s.name, c.name, f.Path, err)
				}
			}
			r, err := compareServers(ctx, e, wrk, c.acceptEncoding, pin, target{p.base + f.Path, p.cmd.Process.Pid},
				target{bare.base + f.Path, bare.cmd.Process.Pid}, target{ng.base + f.Path, ng.cmd.Process.Pid})
			if err != nil {
				return nil, err
			}
			rows = append(rows, staticRows(jobs[i]+", "+c.name, want, r, pin)...)
		}
	}
	return rows, nil
}

// staticRows are one file's rows for one kind of client.
func staticRows(job string, a answer, r loadResult, pin pinning) []row {
	what := "the same bytes"
	if enc := a.Header.Get("Content-Encoding"); enc != "" {
		what = "the same " + enc + " bytes"
	}
	what = fmt.Sprintf("%s (%d B)", what, len(a.Body))
	bareLimit := "bare Go net/http, " + what + " and headers from memory; " + pin.inRow()
	return []row{
		{Job: job + ": requests/s", Limit: bareLimit,
			Portal: thousands(r.portal.rps) + " req/s", Reference: thousands(r.bare.rps) + " req/s",
			Ratio: r.rps.String(), Target: "≥ 0.90×", Pass: r.rps.atLeast(0.9)},
		{Job: job + ": p99 latency", Limit: bareLimit + "; " + r.load,
			Portal: millis(r.portal.p99), Reference: millis(r.bare.p99),
			Ratio: r.p99.String(), Target: "≤ 1.20×", Pass: r.p99.atMost(1.2)},
		// Not targets: the machine's limit, and where each server's time goes.
		{Job: job + ": beside nginx, the machine's limit", Limit: "nginx, " + what + " from disk; " + pin.inRow(),
			Portal:    fmt.Sprintf("%s req/s (p99 %s)", thousands(r.portal.rps), millis(r.portal.p99)),
			Reference: fmt.Sprintf("%s req/s (p99 %s)", thousands(r.nginx.rps), millis(r.nginx.p99)),
			Ratio:     r.nginxRPS.String() + " req/s, " + r.nginxP99.String() + " p99"},
		{Job: job + ": server CPU time per request", Limit: "bare Go net/http; nginx (master and workers): " + micros(r.nginx) + "; from /proc",
			Portal: micros(r.portal), Reference: micros(r.bare), Ratio: r.cpu.String()},
	}
}
