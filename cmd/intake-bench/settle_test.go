package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseCPULine(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	busy, total, err := parseCPULine("cpu  100 2 30 800 50 4 6 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
	if err != nil || busy != 150 || total != 1000 {
		t.Errorf("parseCPULine = %v, %v, %v; want 150 busy of 1000", busy, total, err)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu 1 2 3", "cpu 1 2 3 x 5 6 7 8"} {
		if _, _, err := parseCPULine(bad); err == nil {
			t.Errorf("parseCPULine(%q): want an error", bad)
		}
	}
}

func TestSettlingDescribe(t *testing.T) {
	var s settling
	if got := s.describe(); got != "" {
		t.Errorf("no rounds: %q, want nothing", got)
	}
	s.record(0, false, false)
	s.record(1500*time.Millisecond, true, false)
	s.record(31*time.Second, true, true)
	got := s.describe()
	for _, want := range []string{"3 rounds", "2 found it busy", "the longest wait 31.0 s", "1 still busy after 30s, run anyway"} {
		if !strings.Contains(got, want) {
			t.Errorf("describe() = %q, want it to say %q", got, want)
		}
	}
}
