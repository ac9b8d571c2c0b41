package main

import (
	"net/http"
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

// TestMemoryLimitFollowsConnections: under the default soft limit, each
// open connection adds room (in steps), and closing them gives it back;
// a limit the environment chose is never touched.
func TestMemoryLimitFollowsConnections(t *testing.T) {
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(limit) })

	debug.SetMemoryLimit(1 << 40) // as GOMEMLIMIT=1TiB sets it
	if m := newMemoryForConnections(); m != nil {
		t.Fatal("a limit set in the environment would follow the connections")
	}

	debug.SetMemoryLimit(defaultMemoryLimit)
	m := newMemoryForConnections()
	if m == nil {
		t.Fatal("the default limit does not follow the connections")
	}
	step := int64(connectionStep * connectionMemory)
	open := func(n int) {
		for range n {
			m.connState(nil, http.StateNew)
		}
	}
	closed := func(n int, state http.ConnState) {
		for range n {
			m.connState(nil, state)
		}
	}
	want := func(what string, limit int64) {
		t.Helper()
		if got := debug.SetMemoryLimit(-1); got != limit {
			t.Errorf("%s: limit %d, want %d", what, got, limit)
		}
	}
	open(1)
	want("one connection", defaultMemoryLimit+step)
	open(connectionStep - 1)
	want("a step's worth of connections", defaultMemoryLimit+step)
	open(1)
	want("one more", defaultMemoryLimit+2*step)
	open(800 - connectionStep - 1)
	want("800 connections", defaultMemoryLimit+800*connectionMemory)
	// Requests going on and off on a connection change nothing.
	for _, s := range []http.ConnState{http.StateActive, http.StateIdle} {
		m.connState(nil, s)
	}
	want("800 connections, active and idle", defaultMemoryLimit+800*connectionMemory)
	closed(799, http.StateClosed)
	want("one left", defaultMemoryLimit+step)
	closed(1, http.StateHijacked)
	want("none left", defaultMemoryLimit)
}
