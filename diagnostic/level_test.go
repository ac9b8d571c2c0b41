package diagnostic

import (
	"strings"
	"testing"
)

func TestValidateRejectsBrokenScoreLevels(t *testing.T) {
	tests := []struct {
		name   string
		levels []ScoreLevel
		want   []string
	}{
		{"none", nil, []string{"no score_levels"}},
		{"empty id", []ScoreLevel{{"", 50}, {"low", 0}}, []string{"score level #1: id is empty"}},
		{"unknown id", []ScoreLevel{{"amber", 50}, {"low", 0}}, []string{`score level "amber": unknown level, want one of ["high" "mid" "low"]`}},
		{"duplicate id", []ScoreLevel{{"high", 70}, {"high", 40}, {"low", 0}}, []string{`score level "high": duplicate id`}},
		{"lowest first", []ScoreLevel{{"low", 0}, {"high", 70}}, []string{`score_levels: not listed highest first (score level "low" begins at 0, score level "high" at 70)`}},
		{"two levels beginning together", []ScoreLevel{{"high", 40}, {"mid", 40}, {"low", 0}}, []string{`score_levels: not listed highest first (score level "high" begins at 40, score level "mid" at 40)`}},
		{"min above 100", []ScoreLevel{{"high", 101}, {"low", 0}}, []string{`score level "high": min 101 goes outside 0..100`}},
		{"min below 0", []ScoreLevel{{"high", 50}, {"low", -1}}, []string{`score level "low": min -1 goes outside 0..100`}},
		{"no level at 0", []ScoreLevel{{"high", 70}, {"mid", 40}}, []string{`score level "mid": begins at 40, leaving 0..39 without a level; the lowest level must begin at 0`}},
		{"no level at 0 only", []ScoreLevel{{"high", 1}}, []string{`score level "high": begins at 1, leaving 0 without a level`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small()
			d.ScoreLevels = tt.levels
			err := d.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() error %q\ndoes not mention %q", err, w)
				}
			}
		})
	}
}
