package main

import (
	"net/http"
	"testing"
	"time"
)

func TestOverloadMet(t *testing.T) {
	tests := []struct {
		name string
		o    overloadOutcome
		met  bool
	}{
		{"refused quickly, every visitor answered",
			overloadOutcome{visits: 1000, accepted: 700, refused: 300, refusedP99: 260 * time.Millisecond}, true},
		{"nothing refused: the load never reached the shedder",
			overloadOutcome{visits: 1000, accepted: 1000}, false},
		{"refusals slower than the target",
			overloadOutcome{visits: 1000, accepted: 700, refused: 300, refusedP99: 1500 * time.Millisecond}, false},
		{"refusals exactly at the target",
			overloadOutcome{visits: 1000, accepted: 700, refused: 300, refusedP99: time.Second}, false},
		{"timeouts",
			overloadOutcome{visits: 1000, accepted: 690, refused: 300, refusedP99: 260 * time.Millisecond, timeouts: 10}, false},
		{"other answers or failed requests",
			overloadOutcome{visits: 1000, accepted: 699, refused: 300, refusedP99: 260 * time.Millisecond, failures: 1}, false},
	}
	for _, tt := range tests {
		if got := tt.o.met(); got != tt.met {
			t.Errorf("%s: met = %v, want %v", tt.name, got, tt.met)
		}
	}
}

func TestOutcomeOfSortsTheAnswers(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	res := &submitResult{
		latency: map[int][]time.Duration{
			http.StatusSeeOther:            {ms(10), ms(20), ms(30)},
			http.StatusServiceUnavailable:  {ms(250), ms(255)},
			http.StatusTooManyRequests:     {ms(1)},
			http.StatusUnprocessableEntity: {ms(5)},
		},
		timeouts: 2,
		problems: 1,
	}
	want := overloadOutcome{visits: 9, accepted: 3, savedP99: ms(30), refused: 3, refusedP99: ms(255), timeouts: 2, failures: 2}
	if got := outcomeOf(res); got != want {
		t.Errorf("outcomeOf = %+v, want %+v", got, want)
	}
}

func TestOverloadVisitors(t *testing.T) {
	tests := []struct {
		n    int
		rate float64
		want int
	}{
		{n: 4, rate: 836, want: 836},   // as many as submissions a second
		{n: 4, rate: 835.2, want: 836}, // rounded up
		{n: 4, rate: 12, want: 40},     // at least ten times the concurrency served well
		{n: 4, rate: 0, want: 40},      // the rate was not measured
	}
	for _, tt := range tests {
		if got := overloadVisitors(tt.n, tt.rate); got != tt.want {
			t.Errorf("overloadVisitors(%d, %v) = %d, want %d", tt.n, tt.rate, got, tt.want)
		}
	}
}
