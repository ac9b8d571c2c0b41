package main

import "testing"

func TestAtLeast(t *testing.T) {
	tests := []struct {
		name              string
		portal, reference float64
		met               bool
	}{
		{"above the target", 950, 1000, true},
		{"exactly the target", 900, 1000, true},
		{"below the target", 899, 1000, false},
		{"the portal served nothing", 0, 1000, false},
		{"the reference measured nothing", 900, 0, false},
	}
	for _, tt := range tests {
		if got := atLeast(tt.portal, tt.reference, 0.9); got != tt.met {
			t.Errorf("%s: atLeast(%v, %v, 0.9) = %v, want %v", tt.name, tt.portal, tt.reference, got, tt.met)
		}
	}
}

func TestAtMost(t *testing.T) {
	tests := []struct {
		name              string
		portal, reference float64
		met               bool
	}{
		{"faster than the reference", 0.004, 0.005, true},
		{"exactly the target", 0.006, 0.005, true},
		{"slower than the target", 0.0061, 0.005, false},
		{"no portal latency measured", 0, 0.005, false},
		{"no reference latency measured", 0.004, 0, false},
	}
	for _, tt := range tests {
		if got := atMost(tt.portal, tt.reference, 1.2); got != tt.met {
			t.Errorf("%s: atMost(%v, %v, 1.2) = %v, want %v", tt.name, tt.portal, tt.reference, got, tt.met)
		}
	}
}

func TestRowSaysYesOrNoWhenItHasATarget(t *testing.T) {
	tests := []struct {
		r    row
		want string
	}{
		{row{Target: "≥ 0.90×", Pass: true}, "yes"},
		{row{Target: "≥ 0.90×"}, "no"},
		{row{Target: "completes", Portal: "failed: wrk exited"}, "no"},
		{row{Portal: "41,000 req/s"}, "–"},
	}
	for _, tt := range tests {
		if got := tt.r.met(); got != tt.want {
			t.Errorf("%+v: met = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestUnder(t *testing.T) {
	tests := []struct {
		name          string
		figure, limit float64
		met           bool
	}{
		{"start in 0.2 s, limit 1 s", 0.2, 1, true},
		{"start in exactly 1 s", 1, 1, false},
		{"start in 1.03 s", 1.03, 1, false},
		{"nothing measured", 0, 1, false},
	}
	for _, tt := range tests {
		if got := under(tt.figure, tt.limit); got != tt.met {
			t.Errorf("%s: under(%v, %v) = %v, want %v", tt.name, tt.figure, tt.limit, got, tt.met)
		}
	}
}

func TestBounded(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name          string
		first, second int64
		met           bool
	}{
		{"the same peak after both halves", 56 * mib, 56 * mib, true},
		{"10% more", 100 * mib, 110 * mib, true},
		{"still growing", 56 * mib, 70 * mib, false},
		{"nothing measured", 0, 0, false},
	}
	for _, tt := range tests {
		if got := bounded(tt.first, tt.second, 1.1); got != tt.met {
			t.Errorf("%s: bounded(%d, %d, 1.1) = %v, want %v", tt.name, tt.first, tt.second, got, tt.met)
		}
	}
}

func TestAllAtLeast(t *testing.T) {
	categories := []string{"performance", "accessibility", "best-practices", "seo"}
	tests := []struct {
		name   string
		scores map[string]int
		met    bool
	}{
		{"all 100", map[string]int{"performance": 100, "accessibility": 100, "best-practices": 100, "seo": 100}, true},
		{"all at the target", map[string]int{"performance": 95, "accessibility": 95, "best-practices": 95, "seo": 95}, true},
		{"one below", map[string]int{"performance": 100, "accessibility": 94, "best-practices": 100, "seo": 100}, false},
		{"one missing", map[string]int{"performance": 100, "accessibility": 100, "best-practices": 100}, false},
	}
	for _, tt := range tests {
		if got := allAtLeast(tt.scores, categories, 95); got != tt.met {
			t.Errorf("%s: allAtLeast = %v, want %v", tt.name, got, tt.met)
		}
	}
}

func TestCompareTakesTheRatioRoundByRound(t *testing.T) {
	tests := []struct {
		name       string
		portal     []float64
		reference  []float64
		text       string
		least09    bool // throughput: at least 0.9× the reference
		most12     bool // latency: at most 1.2× the reference
		wantMedian [2]float64
	}{
		{
			// The machine slowed by a third between the first two runs and
			// stayed slow: each round's own ratio still holds, while the
			// ratio of the medians (16.9 / 18.9 = 0.89) would not.
			name:       "drift within the first round",
			portal:     []float64{26.5, 16.8, 16.9},
			reference:  []float64{19.2, 18.9, 18.1},
			text:       "0.93× (rounds 0.89–1.38)",
			least09:    true,
			most12:     true,
			wantMedian: [2]float64{16.9, 18.9},
		},
		{
			name:       "slower in every round",
			portal:     []float64{85, 88, 80, 86, 84},
			reference:  []float64{100, 100, 100, 100, 100},
			text:       "0.85× (rounds 0.80–0.88)",
			least09:    false,
			most12:     true,
			wantMedian: [2]float64{85, 100},
		},
		{
			name:       "above the latency target in most rounds",
			portal:     []float64{1.3, 1.25, 1.1},
			reference:  []float64{1, 1, 1},
			text:       "1.25× (rounds 1.10–1.30)",
			least09:    true,
			most12:     false,
			wantMedian: [2]float64{1.25, 1},
		},
		{
			name:       "one round",
			portal:     []float64{95},
			reference:  []float64{100},
			text:       "0.95×",
			least09:    true,
			most12:     true,
			wantMedian: [2]float64{95, 100},
		},
		{
			name:       "a round whose reference measured nothing counts as 0",
			portal:     []float64{95, 95, 95},
			reference:  []float64{100, 0, 100},
			text:       "0.95× (rounds 0.00–0.95)",
			least09:    true,
			most12:     true,
			wantMedian: [2]float64{95, 100},
		},
		{
			name:       "the reference measured nothing",
			portal:     []float64{95, 95},
			reference:  []float64{0, 0},
			text:       "–",
			wantMedian: [2]float64{95, 0},
		},
		{
			name:       "the portal measured nothing",
			portal:     []float64{0, 0, 0},
			reference:  []float64{1, 1, 1},
			text:       "–",
			wantMedian: [2]float64{0, 1},
		},
		{name: "no rounds", text: "–"},
	}
	for _, tt := range tests {
		c := compare(tt.portal, tt.reference)
		if got := c.String(); got != tt.text {
			t.Errorf("%s: ratio %q, want %q", tt.name, got, tt.text)
		}
		if got := c.atLeast(0.9); got != tt.least09 {
			t.Errorf("%s: atLeast(0.9) = %v, want %v", tt.name, got, tt.least09)
		}
		if got := c.atMost(1.2); got != tt.most12 {
			t.Errorf("%s: atMost(1.2) = %v, want %v", tt.name, got, tt.most12)
		}
		if got := [2]float64{c.portal, c.reference}; got != tt.wantMedian {
			t.Errorf("%s: medians %v, want %v", tt.name, got, tt.wantMedian)
		}
	}
}
