package diagnostictest_test

import (
	"net/url"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

// The pickers' meaning, on the shipped definition: best scores 100
// everywhere, worst 0, and the form carries one field per question.
func TestPickersOnTheShippedDefinition(t *testing.T) {
	d := diagnostictest.Shipped(t)
	tests := []struct {
		name  string
		pick  diagnostictest.Pick
		index int
	}{
		{"best", diagnostictest.Best, 100},
		{"worst", diagnostictest.Worst, 0},
		{"all Sometimes", diagnostictest.Value(3), 50},
	}
	for _, tt := range tests {
		r, err := d.Score(diagnostictest.Answers(d, tt.pick))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Index != tt.index {
			t.Errorf("%s: index %d, want %d", tt.name, r.Index, tt.index)
		}
	}
	v := url.Values{}
	diagnostictest.Fill(v, d, diagnostictest.Varied)
	if len(v) != len(d.Questions) {
		t.Errorf("Fill set %d fields, want %d", len(v), len(d.Questions))
	}
	for _, q := range d.Questions {
		if v.Get("a."+q.ID) == "" {
			t.Errorf("Fill left question %s blank", q.ID)
		}
	}
}
