package diagnostic

import "testing"

func TestScoreSmall(t *testing.T) {
	// In small(), qa2 is reversed: answering 1 ("Never") earns its 4 points.
	tests := []struct {
		name          string
		qa1, qa2, qb1 int
		wantA, wantB  int
		wantIndex     int
	}{
		{"reversed answered Never scores full", 5, 1, 5, 100, 100, 100},
		{"reversed answered Always scores nothing", 5, 5, 5, 50, 100, 75},
		{"normal Never, reversed Always", 1, 5, 1, 0, 0, 0},
		{"dimension rounds half up: 5/8 is 62.5", 4, 3, 1, 63, 0, 32},
		{"index rounds half up: mean 56.5", 4, 3, 3, 63, 50, 57},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small()
			r, err := d.Score(map[string]int{"qa1": tt.qa1, "qa2": tt.qa2, "qb1": tt.qb1})
			if err != nil {
				t.Fatal(err)
			}
			got := r.Scores()
			if got["a"] != tt.wantA || got["b"] != tt.wantB || r.Index != tt.wantIndex {
				t.Errorf("scores %v index %d, want a=%d b=%d index %d", got, r.Index, tt.wantA, tt.wantB, tt.wantIndex)
			}
		})
	}
}
