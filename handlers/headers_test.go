package handlers_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// cspDirectives splits a Content-Security-Policy into its directives.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// checkSecurityHeaders asserts the headers every response must carry,
// whatever produced it: a page, an error page or a file.
func checkSecurityHeaders(t *testing.T, what string, r response, https bool) {
	t.Helper()
	csp := cspDirectives(r.header.Get("Content-Security-Policy"))
	if len(csp) == 0 {
		t.Errorf("%s: no Content-Security-Policy", what)
		return
	}
	scripts := csp["script-src"]
	if scripts == nil {
		scripts = csp["default-src"]
	}
	if len(scripts) == 0 {
		t.Errorf("%s: CSP does not restrict scripts: %q", what, r.header.Get("Content-Security-Policy"))
	}
	for _, src := range scripts {
		if src == "'unsafe-inline'" || src == "'unsafe-eval'" || src == "*" || src == "data:" {
			t.Errorf("%s: script-src allows %s", what, src)
		}
	}
	for _, d := range []string{"object-src", "base-uri", "frame-ancestors"} {
		if got := strings.Join(csp[d], " "); got != "'none'" {
			t.Errorf("%s: CSP %s = %q, want 'none'", what, d, got)
		}
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", what, got)
	}
	if got := r.header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" && got != "no-referrer" && got != "same-origin" {
		t.Errorf("%s: Referrer-Policy = %q, want one that keeps paths (and their tokens) on the site", what, got)
	}
	if pp := r.header.Get("Permissions-Policy"); !strings.Contains(pp, "camera=()") || !strings.Contains(pp, "geolocation=()") {
		t.Errorf("%s: Permissions-Policy = %q", what, pp)
	}
	hsts := r.header.Get("Strict-Transport-Security")
	switch {
	case https && !strings.Contains(hsts, "max-age="):
		t.Errorf("%s: Strict-Transport-Security = %q with an https BASE_URL", what, hsts)
	case !https && hsts != "":
		t.Errorf("%s: Strict-Transport-Security = %q with an http BASE_URL", what, hsts)
	}
}

// TestSecurityHeaders checks the headers on an article, a 404, a static
// file, a handler's error and a panic (both 500s, which must not show
// what went wrong), and a real 500 with the database closed.
func TestSecurityHeaders(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		const secret = "pq: password authentication failed for user intake_secret_detail"
		s.echo.GET("/test-only/error", func(echo.Context) error { return errors.New(secret) })
		s.echo.GET("/test-only/panic", func(echo.Context) error { panic(secret) })

		page := s.get(handlers.ArticlePath)
		if page.status != http.StatusOK {
			t.Fatalf("article = %d", page.status)
		}
		checkSecurityHeaders(t, "article", page, true)
		checkSecurityHeaders(t, "front page", s.get("/"), true)

		r := s.get("/no-such-page")
		if r.status != http.StatusNotFound {
			t.Errorf("unknown page = %d, want 404", r.status)
		}
		checkSecurityHeaders(t, "404 page", r, true)

		i := strings.Index(page.body, `/static/css/site.css?v=`)
		if i < 0 {
			t.Fatal("no stylesheet link on the article")
		}
		r = s.get(page.body[i : i+strings.IndexByte(page.body[i:], '"')])
		if r.status != http.StatusOK {
			t.Errorf("stylesheet = %d", r.status)
		}
		checkSecurityHeaders(t, "static file", r, true)

		for _, path := range []string{"/test-only/error", "/test-only/panic"} {
			r := s.get(path)
			if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "Something went wrong on our side") {
				t.Errorf("GET %s = %d, want the 500 page", path, r.status)
			}
			if strings.Contains(r.body, "intake_secret_detail") || strings.Contains(r.body, "password") {
				t.Errorf("GET %s: the 500 page shows the error:\n%s", path, r.body)
			}
			checkSecurityHeaders(t, path+" (500)", r, true)
		}

		// A real fault: the database is gone when a result is looked up.
		s.store.Close()
		r = s.get("/results/some-token")
		if r.status != http.StatusInternalServerError {
			t.Errorf("result with the database closed = %d, want 500", r.status)
		}
		if strings.Contains(r.body, "database is closed") || strings.Contains(r.body, "sql:") {
			t.Errorf("the 500 page shows the error:\n%s", r.body)
		}
		checkSecurityHeaders(t, "500 page with the database closed", r, true)
	})
}

// TestNoHSTSOnPlainHTTP: HSTS only when BASE_URL is https, so a site run
// on plain http (a laptop, a private network) never pins itself to https.
func TestNoHSTSOnPlainHTTP(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	s := newSiteWith(t, store, func(d *handlers.Deps) { d.BaseURL, _ = url.Parse("http://127.0.0.1:8080") })
	checkSecurityHeaders(t, "article over http", s.get(handlers.ArticlePath), false)
	checkSecurityHeaders(t, "404 over http", s.get("/no-such-page"), false)
}
