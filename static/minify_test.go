package static

import (
	"regexp"
	"strings"
	"testing"
)

func TestMinifyCSS(t *testing.T) {
	for in, want := range map[string]string{
		"/* note */\na {\n  color: red;\n  margin: 0 auto;\n}\n":              "a{color: red;margin: 0 auto}",
		"a, b  >  c { x: calc(100% - 1rem); }":                                "a,b > c{x: calc(100% - 1rem)}",
		`a::before { content: "  /* kept */ { ; } "; }`:                       `a::before{content: "  /* kept */ { ; } "}`,
		`b { content: 'it\'s  "x"' ; } c :hover {}`:                           `b{content: 'it\'s  "x"'}c :hover{}`,
		"@media (min-width: 40em) {\n  .a { b: c }\n}":                        "@media (min-width: 40em){.a{b: c}}",
		"a{b:c}/* unterminated":                                               "a{b:c}",
		".x { content: \"\\2713\"; content: \"\\2713\" / \"\"; }\n/*e*/ .y{}": `.x{content: "\2713";content: "\2713" / ""}.y{}`,
	} {
		if got := string(minifyCSS([]byte(in))); got != want {
			t.Errorf("minifyCSS(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// TestAssetsServedMinified: the stylesheets go out smaller than their
// source, with the same rules, and the hash is of what goes out.
func TestAssetsServedMinified(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	src, err := files.ReadFile("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	css, _ := a.Get("css/site.css")
	if len(css.Body) >= len(src)*9/10 || strings.Contains(string(css.Body), "/*") {
		t.Errorf("site.css served as %d bytes of %d, or with comments", len(css.Body), len(src))
	}
	rules := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(src), "")
	for _, c := range []string{"{", "}", ":", `"`} {
		if strings.Count(string(css.Body), c) != strings.Count(rules, c) {
			t.Errorf("minifying changed the number of %s: %d, source %d", c, strings.Count(string(css.Body), c), strings.Count(rules, c))
		}
	}
	if css.Gzip == nil || css.ETag == css.GzipETag || !strings.Contains(css.ETag, css.Hash) {
		t.Errorf("site.css: gzip %d bytes, ETags %s and %s for hash %s", len(css.Gzip), css.ETag, css.GzipETag, css.Hash)
	}
}
