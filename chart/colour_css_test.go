package chart

import (
	"regexp"
	"testing"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/static"
)

// The bar colours the email and the PDF use are the result page's chart colours, as the
// stylesheet the portal serves sets them: a colour changed in site.css and
// not here (or the other way) fails this test.
func TestBarColoursAreTheChartColours(t *testing.T) {
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	css, ok := assets.Get("css/site.css")
	if !ok {
		t.Fatal("no css/site.css among the static files")
	}
	levels := []string{diagnostic.LevelHigh, diagnostic.LevelMid, diagnostic.LevelLow}
	for _, level := range levels {
		rule := regexp.MustCompile(`\.chart-bar-` + level + `\s*\{\s*fill:\s*(#[0-9a-fA-F]{3,8})\s*;?\s*\}`)
		m := rule.FindSubmatch(css.Body)
		if m == nil {
			t.Errorf("site.css has no `.chart-bar-%s { fill: … }` rule", level)
			continue
		}
		if got := LevelColours[level]; got != string(m[1]) {
			t.Errorf("level %s: the colour here is %q, the chart's %q", level, got, m[1])
		}
	}
	if len(LevelColours) != len(levels) {
		t.Errorf("this package colours %d levels, the chart %d", len(LevelColours), len(levels))
	}
}

// The PDF's track and text colours are the result page's too.
func TestTrackAndTextAreTheChartColours(t *testing.T) {
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	css, _ := assets.Get("css/site.css")
	for selector, want := range map[string]string{
		`\.chart-track`:                  TrackColour,
		`\.chart-label,\s*\.chart-value`: TextColour,
	} {
		m := regexp.MustCompile(selector + `\s*\{[^}]*\bfill:\s*(#[0-9a-fA-F]{3,8})`).FindSubmatch(css.Body)
		if m == nil {
			t.Errorf("site.css has no %s rule with a fill", selector)
			continue
		}
		if string(m[1]) != want {
			t.Errorf("%s: site.css fills %s, chart has %s", selector, m[1], want)
		}
	}
}
