package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// embedOrigins are the sites the embed tests allow to frame the diagnostic.
var embedOrigins = []string{"https://www.stellapop.example", "http://localhost:3000"}

// newEmbedSite is the site with embedOrigins allowed, reached by a client
// that keeps no cookie at all, as a frame whose third-party cookies the
// browser blocks.
func newEmbedSite(t *testing.T, dialect string) *site {
	s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) { d.EmbedOrigins = embedOrigins })
	s.client.Jar = nil
	return s
}

// forEachEmbedDialect runs a test against both databases with newEmbedSite.
func forEachEmbedDialect(t *testing.T, test func(t *testing.T, s *site)) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) { test(t, newEmbedSite(t, dialect)) })
	}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// TestFrameAncestorsPerRoute: the embed routes may be framed by exactly
// EMBED_ORIGINS; every other page refuses every frame.
func TestFrameAncestorsPerRoute(t *testing.T) {
	const none, embed = "'none'", "https://www.stellapop.example http://localhost:3000"
	routes := []struct {
		path, frameAncestors string
		status               int
	}{
		{"/", none, 200},
		{"/articles/leadership-vs-management", none, 200},
		{"/diagnostic", none, 200},
		{"/privacy", none, 200},
		{"/results/no-such-token", none, 404},
		{"/unsubscribe/no-such-token", none, 404},
		{"/admin/login", none, 200},
		{"/admin", none, 303},
		{"/admin/leads", none, 303},
		{"/static/embed.js", none, 200},
		{"/static/css/site.css", none, 200},
		{"/healthz", none, 200},
		{"/no-such-page", none, 404},
		{"/embed/diagnostic", embed, 200},
		{"/embed/diagnostic?parent=https%3A%2F%2Fwww.stellapop.example", embed, 200},
		{"/embed/results/no-such-token", embed, 404},
	}
	forEachEmbedDialect(t, func(t *testing.T, s *site) {
		for _, r := range routes {
			got := s.get(r.path)
			if got.status != r.status {
				t.Errorf("GET %s = %d, want %d", r.path, got.status, r.status)
			}
			fa := strings.Join(cspDirectives(got.header.Get("Content-Security-Policy"))["frame-ancestors"], " ")
			if fa != r.frameAncestors {
				t.Errorf("GET %s: frame-ancestors %q, want %q", r.path, fa, r.frameAncestors)
			}
			xfo := got.header.Get("X-Frame-Options")
			if r.frameAncestors == none && xfo != "DENY" {
				t.Errorf("GET %s: X-Frame-Options %q, want DENY", r.path, xfo)
			}
			if r.frameAncestors != none && xfo != "" {
				t.Errorf("GET %s: X-Frame-Options %q on a page other sites may frame", r.path, xfo)
			}
		}
	})
}

// TestEmbedRouteIsOffWithoutOrigins: with EMBED_ORIGINS unset the embed
// addresses do not exist, and their 404 refuses framing like any page.
func TestEmbedRouteIsOffWithoutOrigins(t *testing.T) {
	s := newSite(t, models.SQLite)
	for _, path := range []string{"/embed/diagnostic", "/embed/results/x"} {
		r := s.get(path)
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s without EMBED_ORIGINS = %d, want 404", path, r.status)
		}
		if fa := cspDirectives(r.header.Get("Content-Security-Policy"))["frame-ancestors"]; strings.Join(fa, " ") != "'none'" {
			t.Errorf("GET %s: frame-ancestors %q", path, fa)
		}
	}
}

// TestEmbedScriptHeaders: other sites load embed.js from a fixed address.
func TestEmbedScriptHeaders(t *testing.T) {
	s := newEmbedSite(t, models.SQLite)
	r := s.get("/static/embed.js")
	for header, want := range map[string]string{
		"Cache-Control":                "public, max-age=3600",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Content-Type":                 "text/javascript; charset=utf-8",
	} {
		if got := r.header.Get(header); got != want {
			t.Errorf("embed.js %s = %q, want %q", header, got, want)
		}
	}
}

// embedForm opens the framed diagnostic as embed.js would and fills it in.
func embedForm(t *testing.T, s *site, query string) url.Values {
	t.Helper()
	page := s.get("/embed/diagnostic?" + query)
	if page.status != http.StatusOK {
		t.Fatalf("GET /embed/diagnostic = %d", page.status)
	}
	if c := page.header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("the framed diagnostic sets cookies: %q", c)
	}
	if strings.Contains(page.body, "site-header") || !strings.Contains(page.body, `action="/embed/diagnostic"`) {
		t.Error("the framed diagnostic is not the compact form posting to itself")
	}
	v, err := url.ParseQuery(hiddenFields(page.body))
	if err != nil {
		t.Fatal(err)
	}
	diagnostictest.Fill(v, s.def, diagnostictest.Varied)
	v.Set("name", "Grace Hopper")
	v.Set("email", "grace@example.com")
	v.Set("company", "Cobol Ltd")
	v.Set("role", "Director")
	v.Set("consent_summary", "yes")
	return v
}

// hiddenFields reads a page's hidden inputs as a query string.
func hiddenFields(body string) string {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	return v.Encode()
}

// TestEmbedSubmitsWithoutCookie: the framed form works with no cookie,
// its CSRF protection being the signed stamp and the Origin header, and
// the embedding page is the lead's source.
func TestEmbedSubmitsWithoutCookie(t *testing.T) {
	forEachEmbedDialect(t, func(t *testing.T, s *site) {
		query := "parent=https%3A%2F%2Fwww.stellapop.example&ref=https%3A%2F%2Fwww.stellapop.example%2Fservices%3Femail%3Dx%40y.z&utm_source=website&utm_campaign=spring"
		v := embedForm(t, s, query)

		// Refused: a page elsewhere posting the form, a missing stamp,
		// a stamp moved to another submission.
		for name, change := range map[string]func(v url.Values, req *http.Request){
			"another site's Origin": func(_ url.Values, req *http.Request) { req.Header.Set("Origin", "https://evil.example") },
			"no stamp":              func(v url.Values, _ *http.Request) { v.Del("served") },
			"a forged stamp":        func(v url.Values, _ *http.Request) { v.Set("served", "1700000000.AAAA") },
			"another key's stamp":   func(v url.Values, _ *http.Request) { v.Set("submission", "AAAAAAAAAAAAAAAAAAAAAA") },
		} {
			form := url.Values{}
			for k, vs := range v {
				form[k] = append([]string(nil), vs...)
			}
			header := http.Header{}
			change(form, &http.Request{Header: header})
			req, _ := http.NewRequest(http.MethodPost, s.url+"/embed/diagnostic", strings.NewReader(form.Encode()))
			req.Header = header
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if r := s.do(req); r.status != http.StatusForbidden || !strings.Contains(r.body, "Grace Hopper") {
				t.Errorf("%s: POST = %d, want 403 with the answers kept", name, r.status)
			}
		}
		if n := s.leadCount(); n != 0 {
			t.Fatalf("%d leads saved from refused posts", n)
		}

		req, _ := http.NewRequest(http.MethodPost, s.url+"/embed/diagnostic", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://intake.example.com")
		r := s.do(req)
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/embed/results/") || !strings.HasSuffix(loc, "?parent=https%3A%2F%2Fwww.stellapop.example") {
			t.Fatalf("POST = %d to %q, want 303 to the framed result", r.status, loc)
		}
		token := strings.TrimPrefix(loc[:strings.IndexByte(loc, '?')], "/embed/results/")
		lead, err := s.store.LeadByToken(t.Context(), token)
		if err != nil {
			t.Fatal(err)
		}
		want := models.Source{LandingPage: "/embed/diagnostic", Referrer: "https://www.stellapop.example/services", UTMSource: "website", UTMCampaign: "spring"}
		if lead.Source != want {
			t.Errorf("source = %+v, want %+v", lead.Source, want)
		}

		// The same form again is the same lead: the stamp is used once.
		if again := s.post("/embed/diagnostic", v); again.status != http.StatusSeeOther || again.header.Get("Location") != loc {
			t.Errorf("the same form again = %d to %q, want the first result", again.status, again.header.Get("Location"))
		}
		if n := s.leadCount(); n != 1 {
			t.Errorf("%d leads, want 1", n)
		}

		res := s.get(loc)
		if res.status != http.StatusOK || !strings.Contains(res.body, `href="https://intake.example.com/results/`+token+`" target="_blank"`) ||
			!strings.Contains(res.body, `data-parent-origin="https://www.stellapop.example"`) {
			t.Errorf("framed result = %d without the full result's link or the parent origin", res.status)
		}
	})
}

// TestEmbedIgnoresParentNotAllowed: a parent origin outside EMBED_ORIGINS
// is not one the frame will send messages to.
func TestEmbedIgnoresParentNotAllowed(t *testing.T) {
	s := newEmbedSite(t, models.SQLite)
	r := s.get("/embed/diagnostic?parent=https%3A%2F%2Fevil.example")
	if r.status != http.StatusOK || strings.Contains(r.body, "evil.example") || strings.Contains(r.body, "data-parent-origin") {
		t.Errorf("GET with an unlisted parent = %d, and the page names it", r.status)
	}
}

// TestEmbedStartsCountedBySite: a framed start counts as a start and, by
// embedding origin, in the dashboard's "Embedded starts by site".
func TestEmbedStartsCountedBySite(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var funnel *handlers.FunnelCounter
			s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) {
				d.EmbedOrigins = embedOrigins
				d.Funnel = handlers.NewFunnelCounter(d.Store, d.Logger)
				funnel = d.Funnel
			})
			for _, parent := range []string{"https%3A%2F%2Fwww.stellapop.example", "https%3A%2F%2Fwww.stellapop.example", "http%3A%2F%2Flocalhost%3A3000", "https%3A%2F%2Fevil.example"} {
				s.get("/embed/diagnostic?parent=" + parent)
			}
			s.get("/diagnostic")
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			got := s.today()
			for metric, want := range map[string]int64{
				models.MetricDiagnosticStarts:                             5,
				models.EmbedStartsMetric("https://www.stellapop.example"): 2,
				models.EmbedStartsMetric("http://localhost:3000"):         1,
				models.EmbedStartsMetric(""):                              1,
				models.EmbedStartsMetric("https://evil.example"):          0,
			} {
				if got[metric] != want {
					t.Errorf("%q = %d, want %d", metric, got[metric], want)
				}
			}
			s.signIn(models.RoleMarketing)
			r := s.get("/admin")
			for _, want := range []string{"<caption>Embedded starts by site</caption>",
				`<tr><td>https://www.stellapop.example</td><td class="num">2</td></tr><tr><td>Not named (a frame opened without its site)</td><td class="num">1</td></tr><tr><td>http://localhost:3000</td><td class="num">1</td></tr>`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
		})
	}
}
