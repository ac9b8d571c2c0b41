package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"testing"
	"time"
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

// TestServerMemoryLimitFollowsItsConnections: the site's server, started
// under the default soft limit, raises it while visitors hold connections
// open and lowers it again once they have gone.
func TestServerMemoryLimitFollowsItsConnections(t *testing.T) {
	limit := debug.SetMemoryLimit(defaultMemoryLimit)
	t.Cleanup(func() { debug.SetMemoryLimit(limit) })
	env := map[string]string{"INTAKE_DATA_DIR": t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, ln := newListeningApp(t, ctx, env)
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })

	// Twenty visitors, each on a connection of its own that stays open.
	const visitors = 20
	var clients []*http.Client
	for range visitors {
		c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
		res, err := c.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		clients = append(clients, c)
	}
	steps := int64((visitors + connectionStep - 1) / connectionStep)
	if got, want := debug.SetMemoryLimit(-1), defaultMemoryLimit+steps*connectionStep*connectionMemory; got != want {
		t.Errorf("with %d connections open: limit %d, want %d", visitors, got, want)
	}
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	// The server sees each close when its read fails; wait for that.
	for i := 0; debug.SetMemoryLimit(-1) != defaultMemoryLimit; i++ {
		if i == 1000 {
			t.Fatalf("after every connection closed: limit %d, want %d", debug.SetMemoryLimit(-1), defaultMemoryLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMemoryLimitStaysInsideTheContainer: in a container with little
// memory the limit stops growing at three quarters of it, never below the
// default; without a container limit it is not capped.
func TestMemoryLimitStaysInsideTheContainer(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(path string) ([]byte, error) {
			if v, ok := m[path]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		}
	}
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"cgroup v2, 256 MiB", map[string]string{"/sys/fs/cgroup/memory.max": "268435456\n"}, 256 << 20},
		{"cgroup v2, no limit", map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, 0},
		{"cgroup v1, 512 MiB", map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}, 512 << 20},
		{"no cgroup files", nil, 0},
	} {
		if got := containerMemory(files(tt.files)); got != tt.want {
			t.Errorf("%s: container memory %d, want %d", tt.name, got, tt.want)
		}
	}

	m := &memoryForConnections{base: defaultMemoryLimit, ceiling: memoryCeiling(256 << 20)}
	if got := m.limitFor(10000); got != 192<<20 {
		t.Errorf("10,000 connections in 256 MiB: limit %d, want 192 MiB", got)
	}
	if got := m.limitFor(16); got != defaultMemoryLimit+connectionStep*connectionMemory {
		t.Errorf("16 connections in 256 MiB: limit %d, want the default plus one step", got)
	}
	if got := memoryCeiling(32 << 20); got != defaultMemoryLimit {
		t.Errorf("a container smaller than the default: ceiling %d, want the default", got)
	}
	m = &memoryForConnections{base: defaultMemoryLimit, ceiling: memoryCeiling(0)}
	if got := m.limitFor(10000); got != defaultMemoryLimit+10000*connectionMemory {
		t.Errorf("10,000 connections, no container limit: %d, want %d", got, defaultMemoryLimit+10000*connectionMemory)
	}
}

// newListeningApp builds the app from the settings in env, quietly, and a
// loopback listener for it to run on; the caller runs it.
func newListeningApp(t *testing.T, ctx context.Context, env map[string]string) (*app, net.Listener) {
	t.Helper()
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return a, ln
}
