package handlers_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestArticlePage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		for _, path := range []string{"/articles/leadership-vs-management", "/"} {
			r := s.get(path)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d", path, r.status)
			}
			b := r.body
			for _, want := range []string{
				`<title>Leadership vs. Management: What’s the Difference? — StellaPop</title>`,
				`<link rel="canonical" href="https://intake.example.com/articles/leadership-vs-management">`,
				`<meta property="og:type" content="article">`,
				`<meta name="description" content="Leadership and management are inherently linked`,
				`<link rel="icon" href="/static/favicon.svg?v=`,
				`<li>A manager looks for control, while a leader inspires trust.</li>`,
				`<h2 id="related-title">See also</h2>`,
				`<li>Prepare the Horse: Guiding Your Team Through Change</li>`,
			} {
				if !strings.Contains(b, want) {
					t.Errorf("GET %s lacks %s", path, want)
				}
			}
			if n := strings.Count(b, "<h1"); n != 1 {
				t.Errorf("GET %s has %d h1 elements, want 1", path, n)
			}
			if strings.Contains(b, `href="/related`) || regexp.MustCompile(`<a [^>]*>Prepare the Horse`).MatchString(b) {
				t.Errorf("related reading must not link anywhere yet")
			}
			// One call to action right after "So are all managers leaders?", one at the end.
			so := strings.Index(b, `id="so-are-all-managers-leaders"`)
			quick := strings.Index(b, `id="quick-ways-to-decipher"`)
			ctas := regexp.MustCompile(`<a class="button" href="/diagnostic[^"]*">`).FindAllStringIndex(b, -1)
			if len(ctas) != 2 || so < 0 || quick < 0 || ctas[0][0] < so || ctas[0][0] > quick || ctas[1][0] < quick {
				t.Errorf("calls to action at %v, want one between the sections at %d and %d, one after", ctas, so, quick)
			}
		}
	})
}

func TestArticleCarriesSourceToTheDiagnostic(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		r := s.get("/articles/leadership-vs-management?utm_source=linkedin&utm_campaign=q4%20leaders&utm_medium=social",
			"Referer", "https://www.linkedin.com/feed/?trk=secret-personal-thing")
		m := regexp.MustCompile(`<a class="button" href="(/diagnostic\?[^"]+)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no call to action with a query in:\n%s", r.body)
		}
		href := html.UnescapeString(m[1])
		d := s.get(href)
		for _, want := range []string{
			`name="utm_source" value="linkedin"`,
			`name="utm_campaign" value="q4 leaders"`,
			`name="utm_medium" value="social"`,
			`name="landing_page" value="/articles/leadership-vs-management"`,
			`name="referrer" value="https://www.linkedin.com/feed/"`,
		} {
			if !strings.Contains(d.body, want) {
				t.Errorf("diagnostic reached from %s lacks %s", href, want)
			}
		}
		if strings.Contains(d.body, "trk=") {
			t.Errorf("the referrer's query string must be dropped")
		}
		if c := r.header.Get("Set-Cookie"); c != "" {
			t.Errorf("the article sets a cookie: %s", c)
		}
	})
}
