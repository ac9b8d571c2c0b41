package diagnostic_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

func TestScoreExtremes(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		name      string
		pick      diagnostictest.Pick
		wantScore int
		wantBand  string
	}{
		{"all best", diagnostictest.Best, 100, "leading"},
		{"all worst", diagnostictest.Worst, 0, "not-leading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := d.Score(diagnostictest.Answers(d, tt.pick))
			if err != nil {
				t.Fatal(err)
			}
			for _, ds := range r.Dimensions {
				if ds.Score != tt.wantScore {
					t.Errorf("dimension %q = %d, want %d", ds.Dimension.ID, ds.Score, tt.wantScore)
				}
			}
			if r.Index != tt.wantScore || r.Band.ID != tt.wantBand {
				t.Errorf("index %d band %q, want %d %q", r.Index, r.Band.ID, tt.wantScore, tt.wantBand)
			}
		})
	}
}

func TestBandBoundaries(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		index int
		want  string
	}{
		{0, "not-leading"}, {39, "not-leading"},
		{40, "managing"}, {59, "managing"},
		{60, "emerging"}, {79, "emerging"},
		{80, "leading"}, {100, "leading"},
		{-5, "not-leading"}, {140, "leading"}, // clamped
	}
	for _, tt := range tests {
		if got := d.BandFor(tt.index).ID; got != tt.want {
			t.Errorf("BandFor(%d) = %q, want %q", tt.index, got, tt.want)
		}
		scores := map[string]int{}
		for _, dim := range d.Dimensions {
			scores[dim.ID] = tt.index
		}
		r := d.ResultFrom(scores)
		wantIndex := min(max(tt.index, 0), 100)
		if r.Index != wantIndex || r.Band.ID != tt.want {
			t.Errorf("ResultFrom(all %d) = index %d band %q, want %d %q", tt.index, r.Index, r.Band.ID, wantIndex, tt.want)
		}
	}
}

func TestResultFromRoundTrip(t *testing.T) {
	d := diagnostictest.Shipped(t)
	answers := diagnostictest.Answers(d, diagnostictest.Varied)
	scored, err := d.Score(answers)
	if err != nil {
		t.Fatal(err)
	}
	stored := scored.Scores()
	stored["retired-dimension"] = 70 // ignored
	rebuilt := d.ResultFrom(stored)
	if !maps.Equal(rebuilt.Scores(), scored.Scores()) || rebuilt.Index != scored.Index || rebuilt.Band != scored.Band {
		t.Errorf("ResultFrom(%v) = %+v, want %+v", stored, rebuilt, scored)
	}
	if got := d.ResultFrom(map[string]int{"trust": 100}).Scores()["develops"]; got != 0 {
		t.Errorf("missing dimension scored %d, want 0", got)
	}
}

func TestStrengthsAndGrowthAreas(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		name        string
		scores      map[string]int
		strengths   []string
		growthAreas []string
	}{
		{"distinct", map[string]int{"develops": 10, "innovates": 90, "people": 50, "vision": 70, "trust": 30},
			[]string{"innovates", "vision"}, []string{"develops", "trust"}},
		{"ties keep definition order", map[string]int{"develops": 50, "innovates": 80, "people": 80, "vision": 20, "trust": 20},
			[]string{"innovates", "people"}, []string{"vision", "trust"}},
		{"three-way tie at the top", map[string]int{"develops": 60, "innovates": 90, "people": 40, "vision": 90, "trust": 90},
			[]string{"innovates", "vision"}, []string{"people", "develops"}},
		{"all equal", map[string]int{"develops": 50, "innovates": 50, "people": 50, "vision": 50, "trust": 50},
			[]string{"develops", "innovates"}, []string{"develops", "innovates"}},
	}
	ids := func(ds []diagnostic.DimensionScore) []string {
		var s []string
		for _, x := range ds {
			s = append(s, x.Dimension.ID)
		}
		return s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := d.ResultFrom(tt.scores)
			if got := ids(r.Strengths); !slices.Equal(got, tt.strengths) {
				t.Errorf("strengths %v, want %v", got, tt.strengths)
			}
			if got := ids(r.GrowthAreas); !slices.Equal(got, tt.growthAreas) {
				t.Errorf("growth areas %v, want %v", got, tt.growthAreas)
			}
			if got := ids(r.Dimensions); !slices.Equal(got, []string{"develops", "innovates", "people", "vision", "trust"}) {
				t.Errorf("dimensions %v, want definition order", got)
			}
		})
	}
}

func TestScoreErrors(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		name   string
		change func(map[string]int)
		id     string
		want   error
	}{
		{"missing answer", func(a map[string]int) { delete(a, "q3") }, "q3", diagnostic.ErrMissingAnswer},
		{"unknown question", func(a map[string]int) { a["q99"] = 3 }, "q99", diagnostic.ErrUnknownQuestion},
		{"value above the scale", func(a map[string]int) { a["q7"] = 6 }, "q7", diagnostic.ErrOutOfScale},
		{"value below the scale", func(a map[string]int) { a["q7"] = 0 }, "q7", diagnostic.ErrOutOfScale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := diagnostictest.Answers(d, diagnostictest.Best)
			tt.change(answers)
			_, err := d.Score(answers)
			var ae *diagnostic.AnswerError
			if !errors.As(err, &ae) {
				t.Fatalf("Score() error = %v, want an *AnswerError", err)
			}
			if ae.QuestionID != tt.id {
				t.Errorf("QuestionID = %q, want %q", ae.QuestionID, tt.id)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Score() error = %v, want errors.Is %v", err, tt.want)
			}
		})
	}
}

func TestScoreReportsEveryProblem(t *testing.T) {
	d := diagnostictest.Shipped(t)
	answers := diagnostictest.Answers(d, diagnostictest.Best)
	delete(answers, "q2")
	answers["q5"] = 9
	answers["zz"] = 1
	_, err := d.Score(answers)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Score() error = %v, want a joined error", err)
	}
	var got []string
	for _, e := range joined.Unwrap() {
		var ae *diagnostic.AnswerError
		if errors.As(e, &ae) {
			got = append(got, ae.QuestionID)
		}
	}
	if want := []string{"q2", "q5", "zz"}; !slices.Equal(got, want) {
		t.Errorf("problem question ids %v, want %v", got, want)
	}
}

func BenchmarkScore(b *testing.B) {
	d := diagnostictest.Shipped(b)
	answers := diagnostictest.Answers(d, diagnostictest.Varied)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Score(answers); err != nil {
			b.Fatal(err)
		}
	}
}
