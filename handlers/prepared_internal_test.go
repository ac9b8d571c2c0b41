package handlers

import (
	"bytes"
	"compress/gzip"
	"html/template"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/static"
	"github.com/stellapop/intake/views"
)

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                                false,
		"gzip":                            true,
		"gzip, deflate, br, zstd":         true,
		"br;q=1.0, gzip;q=0.8, *;q=0.1":   true,
		"GZIP":                            true,
		"x-gzip":                          true,
		"gzip;q=0":                        false,
		"gzip; q=0.000":                   false,
		"deflate, br":                     false,
		"*":                               true,
		"*;q=0":                           false,
		"gzip;q=0, *":                     false,
		"identity":                        false,
		"br, *;q=0.5":                     true,
		"gzipx, deflate":                  false,
		"  gzip  ;  q=0.5 ":               true,
		"gzip;level=9":                    true,
		"compress, gzip;q=abc, identity ": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"x",W/"abc" `, true},
		{`*`, true},
		{`"abc-gz"`, false},
		{`"ab"`, false},
		{`abc`, false},
		{``, false},
	} {
		if got := etagMatches(c.header, `"abc"`); got != c.want {
			t.Errorf("etagMatches(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}

// hostileValues are the kind of text a crafted link puts in a page.
var hostileValues = []string{
	"", "linkedin", "q4 leaders", `"><script>alert(1)</script>`, "a&b=c+d", "it's", "\x00nul",
	"100% <b>", "é ünïcödé 漢字 🙂", "back`tick", "= sign", "tab\there", "javascript:alert(1)",
	"\u202eevil", strings.Repeat("long ", 300),
}

// TestEscapeAttrMatchesTemplate holds escapeAttr to what html/template
// writes in the two places values are spliced in: a quoted value attribute,
// and an href made of an encoded query.
func TestEscapeAttrMatchesTemplate(t *testing.T) {
	value := template.Must(template.New("v").Parse(`<input type="hidden" name="x" value="{{.}}">`))
	href := template.Must(template.New("h").Parse(`<a class="button" href="{{.}}">`))
	for _, v := range hostileValues {
		var b bytes.Buffer
		if err := value.Execute(&b, v); err != nil {
			t.Fatal(err)
		}
		if want := `<input type="hidden" name="x" value="` + escapeAttr(v) + `">`; b.String() != want {
			t.Errorf("value %q: template writes %s, escapeAttr %s", v, b.String(), want)
		}
		link := "/diagnostic?" + url.Values{"utm_campaign": {v}, "landing": {ArticlePath}}.Encode()
		b.Reset()
		if err := href.Execute(&b, link); err != nil {
			t.Fatal(err)
		}
		if want := `<a class="button" href="` + escapeAttr(link) + `">`; b.String() != want {
			t.Errorf("href %q: template writes %s, escapeAttr %s", link, b.String(), want)
		}
	}
}

// TestSplicedGzipIsThePage: the gzip put together per request from
// precompressed and stored pieces decompresses to exactly the page put
// together plain, whatever the sizes of the pieces and the values.
func TestSplicedGzipIsThePage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		const words = "leader manager team trust vision process people <p> </p> & "
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(strings.Fields(words)[rng.IntN(10)] + " ")
		}
		return b.String()[:n]
	}
	markers := []string{"@@ONE@@", "@@TWO@@", "@@THREE@@"}
	for i := range 200 {
		var page strings.Builder
		page.WriteString(text(rng.IntN(3000)))
		for _, m := range markers {
			page.WriteString(m)
			page.WriteString(text([]int{0, 10, 600, 3000}[rng.IntN(4)]))
		}
		if rng.IntN(3) == 0 {
			page.WriteString(markers[0] + text(rng.IntN(100)))
		}
		if i == 0 { // a stored run longer than one stored block holds
			page.WriteString(markers[1] + text(70000))
		}
		s, err := newSpliced([]byte(page.String()), markers)
		if err != nil {
			t.Fatal(err)
		}
		values := []string{hostileValues[rng.IntN(len(hostileValues))], text(rng.IntN(80000)), ""}
		plain := s.render(values)
		zr, err := gzip.NewReader(bytes.NewReader(s.gzip(values)))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("page %d: the gzip decompresses to %d bytes that differ from the %d plain ones", i, len(got), len(plain))
		}
		want := strings.NewReplacer(markers[0], values[0], markers[1], values[1], markers[2], values[2]).Replace(page.String())
		if string(plain) != want {
			t.Fatalf("page %d: spliced page differs from the markers replaced", i)
		}
	}
	if _, err := newSpliced([]byte("no markers here"), markers); err == nil {
		t.Error("a page without its markers was accepted")
	}
}

// TestFreshDiagnosticIsTheTemplatesPage: the empty form put together from
// its pieces is byte for byte what the template renders with the same
// values, whatever a crafted link puts in the source fields, and its gzip
// decompresses to the same bytes.
func TestFreshDiagnosticIsTheTemplatesPage(t *testing.T) {
	h, r := diagnosticPageHandlers(t)
	split, err := h.prepareDiagnostic(r)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range hostileValues {
		w := hostileValues[(i+3)%len(hostileValues)]
		values := diagnosticValues("tok"+v, newSubmissionKey(), h.stamper.stamp("k", time.Now()),
			source{LandingPage: "/" + w, Referrer: "https://x.example/" + v, UTMSource: v, UTMMedium: w, UTMCampaign: v + w, UTMTerm: w, UTMContent: v})
		var want bytes.Buffer
		if err := r.Render(&want, "diagnostic", h.diagnosticPageWith(values), nil); err != nil {
			t.Fatal(err)
		}
		escaped := escapeAll(slices.Clone(values))
		if got := split.render(escaped); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("values %q: the page from pieces differs from the template's", values)
		}
		zr, err := gzip.NewReader(bytes.NewReader(split.gzip(escaped)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("values %q: the gzip does not decompress to the page (%v)", values, err)
		}
	}
}

// diagnosticPageHandlers are handlers with the shipped diagnostic, consent
// and assets, and the templates they render with, for comparing a page put
// together from pieces with the template's.
func diagnosticPageHandlers(t *testing.T) (*Handlers, *views.Renderer) {
	t.Helper()
	def := diagnostictest.Shipped(t)
	consent, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := views.New(template.FuncMap{"asset": assets.URL})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://intake.example.com")
	h := &Handlers{Deps: Deps{Diagnostic: def, Consent: consent, Assets: assets, BaseURL: base}}
	h.stamper = newFormStamper([]byte("0123456789abcdef0123456789abcdef"))
	return h, r
}
