package chart

import (
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

// The email's bars take the same colours as the result page's chart, at
// the same scores.
func TestBarColourFollowsScoreLevels(t *testing.T) {
	def := diagnostictest.Shipped(t)
	tests := []struct {
		score int
		want  string
	}{
		{0, "#b3261e"},
		{39, "#b3261e"},
		{40, "#b26a00"},
		{69, "#b26a00"},
		{70, "#2e7d4f"},
		{100, "#2e7d4f"},
	}
	for _, tt := range tests {
		if got := LevelColours[def.LevelFor(tt.score)]; got != tt.want {
			t.Errorf("colour for score %d = %q, want %q", tt.score, got, tt.want)
		}
	}
}
