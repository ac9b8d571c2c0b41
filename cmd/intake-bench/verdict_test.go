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
