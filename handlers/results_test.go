package handlers_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestResultPage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Best)
		form.Set("name", `<script>alert("x")</script> O'Brien`)
		loc := s.post("/diagnostic", form).header.Get("Location")
		r := s.get(loc)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d", loc, r.status)
		}
		for _, want := range []string{
			`<meta name="robots" content="noindex, nofollow">`,
			`<meta name="description" content="How your manager leads and manages across the five contrasts`,
			"<h1>A leader who manages well</h1>",
			`<span class="index-value">100</span>`,
			`<svg viewBox="0 0 400`,
			`role="img"`,
			"<desc id=\"chart-desc\">Develops people: 100;",
			`href="/articles/leadership-vs-management#`,
			`href="https://stellapop.example/book"`,
			"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("result page lacks %s", want)
			}
		}
		if strings.Contains(r.body, `<script>alert`) {
			t.Errorf("the name came back unescaped")
		}
		if strings.Count(r.body, `class="chart-bar chart-bar-high"`) != len(s.def.Dimensions) {
			t.Errorf("want one full bar per dimension")
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
		}
	})
}

func TestResultPageGrowthAreas(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(1))
		r := s.get(s.post("/diagnostic", form).header.Get("Location"))
		res, _ := s.def.Score(diagnostictest.Answers(s.def, diagnostictest.Value(1)))
		for _, g := range res.GrowthAreas {
			if !strings.Contains(r.body, "#"+g.Dimension.Advice.Section) || !strings.Contains(r.body, htmlEscape(g.Dimension.Advice.Text)) {
				t.Errorf("growth area %s lacks its advice or its link", g.Dimension.ID)
			}
		}
		if !strings.Contains(r.body, "<h1>"+res.Band.Title+"</h1>") {
			t.Errorf("band %q not shown", res.Band.Title)
		}
	})
}

func TestUnknownResultIsNotFound(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		for _, path := range []string{"/results/doesnotexist", "/results/%27%20OR%201=1--", "/no-such-page"} {
			r := s.get(path)
			if r.status != http.StatusNotFound || !strings.Contains(r.body, "We couldn’t find that page") {
				t.Errorf("GET %s = %d, want the 404 page", path, r.status)
			}
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		if r := s.get("/healthz"); r.status != http.StatusOK {
			t.Errorf("healthz = %d", r.status)
		}
		if r := s.get("/readyz"); r.status != http.StatusOK {
			t.Errorf("readyz = %d", r.status)
		}
		s.store.Close()
		if r := s.get("/readyz"); r.status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed = %d, want 503", r.status)
		}
		if r := s.get("/healthz"); r.status != http.StatusOK {
			t.Errorf("healthz with the database closed = %d, want 200", r.status)
		}
	})
}

func TestStaticAssets(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		page := s.get("/")
		i := strings.Index(page.body, `/static/css/site.css?v=`)
		if i < 0 {
			t.Fatal("no stylesheet link")
		}
		href := page.body[i : i+strings.IndexByte(page.body[i:], '"')]
		r := s.get(href)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") ||
			!strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d %q %q", href, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
		if again := s.get(href, "If-None-Match", r.header.Get("ETag")); again.status != http.StatusNotModified {
			t.Errorf("conditional GET = %d, want 304", again.status)
		}
		for _, path := range []string{"/static/css/nope.css", "/static/", "/static/../go.mod", "/static/%2e%2e/embed.go"} {
			if r := s.get(path); r.status != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, r.status)
			}
		}
		if r := s.get("/favicon.ico"); r.status != http.StatusOK {
			t.Errorf("favicon = %d", r.status)
		}
	})
}

// With a Calendly link, "Book a conversation" opens it filled in with the
// visitor's name, address and result link (booking.Link's table has the
// rules); any other link is left as it is (TestResultPage).
func TestResultPagePrefillsTheBookingLink(t *testing.T) {
	s := newSiteWith(t, modelstest.Open(t, models.SQLite), func(d *handlers.Deps) {
		d.BookingURL = "https://calendly.com/stellapop/30min"
	})
	form := s.validForm(diagnostictest.Best)
	form.Set("name", "Zoë O'Brien")
	form.Set("email", "zoe@example.com")
	loc := s.post("/diagnostic", form).header.Get("Location")
	r := s.get(loc)
	want := "https://calendly.com/stellapop/30min?a1=My+diagnostic+result%3A+https%3A%2F%2Fintake.example.com%2Fresults%2F" +
		strings.TrimPrefix(loc, "/results/") + "&email=zoe%40example.com&name=Zo%C3%AB+O%27Brien"
	if !strings.Contains(html.UnescapeString(r.body), `href="`+want+`"`) {
		t.Errorf("result page lacks the prefilled link %s", want)
	}
}
