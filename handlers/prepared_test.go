package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// raw is one response exactly as sent: no transparent decompression.
type raw struct {
	status int
	header http.Header
	body   []byte
}

func (s *site) raw(method, path string, header ...string) raw {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return raw{res.StatusCode, res.Header, b}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("broken gzip: %v", err)
	}
	return out
}

// checkNegotiated checks what a prepared page or file promises: gzip for
// those who take it and plain for the others, each with its own strong
// ETag, Vary: Accept-Encoding on both, the gzip decompressing to exactly
// the plain body, 304 for a current copy, and HEAD with the headers only.
func checkNegotiated(t *testing.T, s *site, path string) (plain, gz raw) {
	t.Helper()
	plain = s.raw("GET", path)
	gz = s.raw("GET", path, "Accept-Encoding", "gzip, deflate, br, zstd")
	refused := s.raw("GET", path, "Accept-Encoding", "gzip;q=0, deflate")
	if plain.status != http.StatusOK || gz.status != http.StatusOK || refused.status != http.StatusOK {
		t.Fatalf("GET %s = %d, %d, %d", path, plain.status, gz.status, refused.status)
	}
	if plain.header.Get("Content-Encoding") != "" || refused.header.Get("Content-Encoding") != "" {
		t.Errorf("GET %s without gzip: Content-Encoding %q", path, plain.header.Get("Content-Encoding"))
	}
	if got := gz.header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("GET %s with gzip: Content-Encoding %q", path, got)
	}
	for _, r := range []raw{plain, gz, refused} {
		if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("GET %s: Vary = %q, want Accept-Encoding", path, r.header.Values("Vary"))
		}
		if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) {
			t.Errorf("GET %s: Content-Length %q for %d bytes", path, r.header.Get("Content-Length"), len(r.body))
		}
	}
	if !bytes.Equal(gunzip(t, gz.body), plain.body) || !bytes.Equal(refused.body, plain.body) {
		t.Errorf("GET %s: the gzip does not decompress to the plain body", path)
	}
	if len(gz.body) >= len(plain.body) {
		t.Errorf("GET %s: gzip %d bytes, plain %d", path, len(gz.body), len(plain.body))
	}
	pe, ge := plain.header.Get("ETag"), gz.header.Get("ETag")
	if !strings.HasPrefix(pe, `"`) || !strings.HasPrefix(ge, `"`) || pe == ge {
		t.Errorf("GET %s: ETags %s (plain) and %s (gzip), want two strong, different tags", path, pe, ge)
	}
	if r := s.raw("GET", path, "Accept-Encoding", "gzip", "If-None-Match", ge); r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Errorf("GET %s with its gzip ETag = %d with %d bytes, want 304 and nothing", path, r.status, len(r.body))
	} else if r.header.Get("ETag") != ge {
		t.Errorf("304 for %s: ETag %q", path, r.header.Get("ETag"))
	}
	if r := s.raw("GET", path, "If-None-Match", `"other", W/`+pe); r.status != http.StatusNotModified {
		t.Errorf("GET %s with its plain ETag in a list = %d, want 304", path, r.status)
	}
	if r := s.raw("GET", path, "If-None-Match", ge); r.status != http.StatusOK || !bytes.Equal(r.body, plain.body) {
		t.Errorf("GET %s without gzip, with the gzip's ETag = %d, want 200 and the plain body", path, r.status)
	}
	for _, enc := range []string{"", "gzip"} {
		h := s.raw("HEAD", path, "Accept-Encoding", enc)
		want := plain
		if enc != "" {
			want = gz
		}
		if h.status != http.StatusOK || len(h.body) != 0 {
			t.Errorf("HEAD %s (%q) = %d with %d bytes", path, enc, h.status, len(h.body))
		}
		for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "ETag", "Cache-Control"} {
			if h.header.Get(k) != want.header.Get(k) {
				t.Errorf("HEAD %s (%q): %s %q, GET has %q", path, enc, k, h.header.Get(k), want.header.Get(k))
			}
		}
	}
	return plain, gz
}

func TestArticleIsPreparedOnce(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	s := newSiteWith(t, store, func(*handlers.Deps) {})
	for _, path := range []string{handlers.ArticlePath, "/"} {
		plain, _ := checkNegotiated(t, s, path)
		if got := plain.header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache (the link depends on the referrer)", path, got)
		}
		if !strings.HasPrefix(plain.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, plain.header.Get("Content-Type"))
		}
		checkSecurityHeaders(t, path, response{status: plain.status, header: plain.header}, true)
	}

	// A visitor from a campaign gets their own link, and their own ETag.
	def := s.raw("GET", handlers.ArticlePath, "Accept-Encoding", "gzip")
	const campaign = handlers.ArticlePath + "?utm_source=linkedin&utm_campaign=q4+%22leaders%22%3Cb%3E"
	plain, gz := checkNegotiated(t, s, campaign)
	if !strings.Contains(string(plain.body), `href="/diagnostic?landing=%2Farticles%2Fleadership-vs-management&amp;utm_campaign=q4&#43;%22leaders%22%3Cb%3E&amp;utm_source=linkedin"`) {
		t.Errorf("the campaign's link is not in the page:\n%s", plain.body)
	}
	if gz.header.Get("ETag") == def.header.Get("ETag") {
		t.Error("a campaign's page has the same ETag as the plain article")
	}
	if r := s.raw("GET", campaign, "Accept-Encoding", "gzip", "If-None-Match", def.header.Get("ETag")); r.status != http.StatusOK {
		t.Errorf("the plain article's ETag on a campaign's page = %d, want 200", r.status)
	}
	// The same from a referrer: a link from elsewhere is a source too.
	ref := s.raw("GET", handlers.ArticlePath, "Referer", "https://www.google.com/search?q=secret")
	if !strings.Contains(string(ref.body), "ref=https%3A%2F%2Fwww.google.com%2Fsearch") || strings.Contains(string(ref.body), "secret") {
		t.Errorf("the referrer is not carried, or its query is")
	}
	if ref.header.Get("ETag") == s.raw("GET", handlers.ArticlePath).header.Get("ETag") {
		t.Error("a page with a referrer's link has the same ETag as the plain article")
	}
	// The site's own pages as referrer change nothing.
	if own := s.raw("GET", handlers.ArticlePath, "Referer", s.url+"/privacy"); !bytes.Equal(own.body, s.raw("GET", "/").body) {
		t.Error("a referrer on the site itself changed the article")
	}
}

func TestStaticFilesArePreparedOnce(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	s := newSiteWith(t, store, func(*handlers.Deps) {})
	page := string(s.raw("GET", handlers.ArticlePath).body)
	i := strings.Index(page, `/static/css/site.css?v=`)
	if i < 0 {
		t.Fatal("no stylesheet link on the article")
	}
	css := page[i : i+strings.IndexByte(page[i:], '"')]
	plain, _ := checkNegotiated(t, s, css)
	if got := plain.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("hashed stylesheet: Cache-Control %q", got)
	}
	if got := plain.header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("stylesheet: Content-Type %q", got)
	}
	if got := s.raw("GET", "/static/css/site.css?v=stale").header.Get("Cache-Control"); got != "public, max-age=3600" {
		t.Errorf("stylesheet with another hash: Cache-Control %q, want an hour", got)
	}
	if got := s.raw("GET", css+"&x=1").header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("hashed stylesheet with another parameter: Cache-Control %q", got)
	}
	// The icon is too small for gzip to pay: plain, with no Vary.
	icon := s.raw("GET", "/favicon.ico", "Accept-Encoding", "gzip")
	if icon.status != http.StatusOK || icon.header.Get("Content-Encoding") != "" || icon.header.Get("Vary") != "" {
		t.Errorf("favicon = %d, Content-Encoding %q, Vary %q", icon.status, icon.header.Get("Content-Encoding"), icon.header.Get("Vary"))
	}
	if h := s.raw("HEAD", "/favicon.ico"); h.status != http.StatusOK || len(h.body) != 0 || h.header.Get("Content-Length") != strconv.Itoa(len(icon.body)) {
		t.Errorf("HEAD /favicon.ico = %d, Content-Length %q", h.status, h.header.Get("Content-Length"))
	}
}

// TestFreshDiagnosticIsGzipped: the empty form goes out gzipped to those
// who take it, decompressing to the plain form's layout with its own
// tokens, never cached, with Vary naming both the cookie and the encoding.
func TestFreshDiagnosticIsGzipped(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	s := newSiteWith(t, store, func(*handlers.Deps) {})
	plain := s.raw("GET", "/diagnostic?utm_source=news&utm_campaign=a%26b")
	gz := s.raw("GET", "/diagnostic?utm_source=news&utm_campaign=a%26b", "Accept-Encoding", "gzip")
	if plain.status != http.StatusOK || gz.status != http.StatusOK || gz.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /diagnostic = %d, %d (%q)", plain.status, gz.status, gz.header.Get("Content-Encoding"))
	}
	body := gunzip(t, gz.body)
	hidden := regexp.MustCompile(`name="(_csrf|submission|served)" value="[^"]+"`)
	if n := len(hidden.FindAll(body, -1)); n != 3 {
		t.Errorf("the gzipped form has %d of its 3 per-visitor fields", n)
	}
	if !bytes.Equal(hidden.ReplaceAll(body, nil), hidden.ReplaceAll(plain.body, nil)) {
		t.Error("the gzipped form differs from the plain one beyond its per-visitor fields")
	}
	if bytes.Equal(hidden.Find(body), hidden.Find(plain.body)) {
		t.Error("two visitors got the same CSRF token")
	}
	if !bytes.Contains(body, []byte(`name="utm_campaign" value="a&amp;b"`)) {
		t.Error("the campaign is not carried into the gzipped form")
	}
	for _, r := range []raw{plain, gz} {
		vary := strings.Join(r.header.Values("Vary"), ",")
		if !strings.Contains(vary, "Accept-Encoding") || !strings.Contains(vary, "Cookie") {
			t.Errorf("Vary = %q, want Cookie and Accept-Encoding", vary)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
		}
		if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) {
			t.Errorf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
		}
	}
}

// TestResultIsGzipped: a result, rendered per request, goes out gzipped to
// browsers that take it, still private and never cached.
func TestResultIsGzipped(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	s := newSiteWith(t, store, func(*handlers.Deps) {})
	r := s.post("/diagnostic", s.validForm(diagnostictest.Value(4)))
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/results/") {
		t.Fatalf("submission = %d %q", r.status, loc)
	}
	plain := s.raw("GET", loc)
	gz := s.raw("GET", loc, "Accept-Encoding", "gzip")
	if plain.status != http.StatusOK || gz.status != http.StatusOK || gz.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("GET result = %d %q, %d %q", plain.status, plain.header.Get("Content-Encoding"), gz.status, gz.header.Get("Content-Encoding"))
	}
	// The page carries the team invitation's form, whose token is each
	// request's own.
	sameBut := func(b []byte) []byte { return csrfInput.ReplaceAll(b, []byte("_csrf")) }
	if !bytes.Equal(sameBut(gunzip(t, gz.body)), sameBut(plain.body)) || !bytes.Contains(plain.body, []byte("leadership index")) {
		t.Error("the gzipped result is not the result")
	}
	for _, r := range []raw{plain, gz} {
		if r.header.Get("Cache-Control") != "no-store" || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Cache-Control %q, Vary %q", r.header.Get("Cache-Control"), r.header.Get("Vary"))
		}
		if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) {
			t.Errorf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
		}
	}
	if r := s.raw("GET", "/results/no-such-token", "Accept-Encoding", "gzip"); r.status != http.StatusNotFound {
		t.Errorf("unknown result = %d, want 404", r.status)
	}
}
