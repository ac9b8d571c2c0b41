package diagnostic_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

func TestLookups(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		kind, id string
		found    func(string) bool
		want     bool
	}{
		{"question", "q12", func(id string) bool { _, ok := d.Question(id); return ok }, true},
		{"question", "q13", func(id string) bool { _, ok := d.Question(id); return ok }, false},
		{"dimension", "trust", func(id string) bool { _, ok := d.Dimension(id); return ok }, true},
		{"dimension", "visoin", func(id string) bool { _, ok := d.Dimension(id); return ok }, false},
		{"band", "not-leading", func(id string) bool { _, ok := d.Band(id); return ok }, true},
		{"band", "lagging", func(id string) bool { _, ok := d.Band(id); return ok }, false},
	}
	for _, tt := range tests {
		if got := tt.found(tt.id); got != tt.want {
			t.Errorf("%s %q found = %v, want %v", tt.kind, tt.id, got, tt.want)
		}
	}
}

func TestLevelForShippedBoundaries(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		score int
		want  string
	}{
		{-5, "low"},
		{0, "low"},
		{39, "low"},
		{40, "mid"},
		{69, "mid"},
		{70, "high"},
		{100, "high"},
		{130, "high"},
	}
	for _, tt := range tests {
		if got := d.LevelFor(tt.score); got != tt.want {
			t.Errorf("LevelFor(%d) = %q, want %q", tt.score, got, tt.want)
		}
	}
}

// articleSections are the anchors the site gives the article's ## headings.
var articleSections = map[string]string{
	"leaders-coach":               "Leaders Coach",
	"managers-direct":             "Managers Direct",
	"so-are-all-managers-leaders": "So are all managers leaders?",
	"quick-ways-to-decipher":      "Quick ways to decipher…",
}

func TestShippedDefinition(t *testing.T) {
	d := diagnostictest.Shipped(t)
	article, err := os.ReadFile("../content/leadership-vs-management.md")
	if err != nil {
		t.Fatal(err)
	}

	if n := len(d.Questions); n < 10 || n > 12 {
		t.Errorf("got %d questions, want 10–12", n)
	}
	wantDims := []string{"develops", "innovates", "people", "vision", "trust"}
	if len(d.Dimensions) != len(wantDims) {
		t.Fatalf("got %d dimensions, want %v", len(d.Dimensions), wantDims)
	}
	perDim := map[string]int{}
	reversed := 0
	for i, q := range d.Questions {
		perDim[q.Dimension]++
		if q.Scale == "frequency-reversed" {
			reversed++
		}
		if i > 0 && d.Questions[i-1].Dimension == q.Dimension {
			t.Errorf("questions %q and %q are consecutive on the same dimension", d.Questions[i-1].ID, q.ID)
		}
	}
	if reversed < 3 {
		t.Errorf("got %d reversed questions, want at least 3", reversed)
	}
	for i, dim := range d.Dimensions {
		if dim.ID != wantDims[i] {
			t.Errorf("dimension %d is %q, want %q", i, dim.ID, wantDims[i])
		}
		if n := perDim[dim.ID]; n < 2 || n > 3 {
			t.Errorf("dimension %q has %d questions, want 2–3", dim.ID, n)
		}
		title, ok := articleSections[dim.Advice.Section]
		if !ok {
			t.Errorf("dimension %q: advice section %q is not an article anchor", dim.ID, dim.Advice.Section)
			continue
		}
		if dim.Advice.SectionTitle != title {
			t.Errorf("dimension %q: section_title %q, want %q", dim.ID, dim.Advice.SectionTitle, title)
		}
		if !strings.Contains(string(article), "\n## "+title+"\n") {
			t.Errorf("dimension %q: article has no heading %q", dim.ID, title)
		}
	}
	var bandIDs []string
	for _, b := range d.Bands {
		bandIDs = append(bandIDs, b.ID)
	}
	if got, want := strings.Join(bandIDs, ","), "leading,emerging,managing,not-leading"; got != want {
		t.Errorf("bands %s, want %s", got, want)
	}
}
