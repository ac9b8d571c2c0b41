package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	gogc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(gogc); debug.SetMemoryLimit(limit) })

	// Nothing in the environment: the portal's defaults.
	debug.SetMemoryLimit(1 << 40)
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC = %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("memory limit = %d, want %d", got, defaultMemoryLimit)
	}

	// Set in the environment: the runtime has read them, and they stay.
	debug.SetMemoryLimit(1 << 40)
	tuneGC(func(name string) string { return map[string]string{"GOGC": "150", "GOMEMLIMIT": "1TiB"}[name] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC = %d with GOGC set, want it left alone", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("memory limit = %d with GOMEMLIMIT set, want it left alone", got)
	}
}
