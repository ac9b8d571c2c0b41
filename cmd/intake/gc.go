package main

import (
	"math"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The collector's defaults for this process, unless GOGC or GOMEMLIMIT
// say otherwise.
//
// The portal keeps about 4.5 MB live (templates, the pages rendered at
// start, connection pools). At Go's default GOGC=100, every 4.5 MB allocated
// means another scan of all of it, and serving the article under load
// spent a fifth of its instructions in the collector. At 400 it runs a
// quarter as often. The soft limit bounds what that costs: as the memory
// the runtime holds nears it, the collector runs sooner, so the heap does
// not grow with the load.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 36 << 20
)

// tuneGC applies the defaults above where the environment sets nothing;
// the Go runtime has already read GOGC and GOMEMLIMIT where it does.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// Each open connection holds memory the heap's live data does not show:
// its goroutine's stack, a second one reading ahead while a request runs,
// its read and write buffers, and its request's form and page. Hundreds of
// visitors at once hold tens of megabytes that way, and under a fixed
// 36 MiB limit the collector then ran without pause, half the CPU, with
// requests waiting on it to allocate: saves fell to a twentieth and
// refusals took seconds. So the default limit grows by connectionMemory
// for each open connection, in steps of connectionStep connections, and
// comes back down as they close.
const (
	connectionMemory = 64 << 10
	connectionStep   = 16
)

// memoryForConnections keeps the default soft memory limit at its value
// plus room for the open connections, up to a ceiling.
type memoryForConnections struct {
	base    int64 // the limit with no connection open
	ceiling int64 // the most it grows to
	open    atomic.Int64
	mu      sync.Mutex
	set     int64 // the limit last set
}

// newMemoryForConnections follows the open connections when the soft
// limit is the default tuneGC set, and is nil when GOMEMLIMIT (or a test)
// chose another.
func newMemoryForConnections() *memoryForConnections {
	if debug.SetMemoryLimit(-1) != defaultMemoryLimit {
		return nil
	}
	return &memoryForConnections{base: defaultMemoryLimit, set: defaultMemoryLimit,
		ceiling: memoryCeiling(containerMemory(os.ReadFile))}
}

// containerMemory is the memory the process's container may use (cgroup
// v2, or else v1), or 0 when it is not limited or cannot be read.
func containerMemory(read func(string) ([]byte, error)) int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := read(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 { // "max": not limited
			return 0
		}
		return n
	}
	return 0
}

// memoryCeiling is how far the soft limit may grow in a container with
// this much memory (0: not limited): three quarters of it, so that the
// collector works harder well before the container is out of memory, and
// never below the default.
func memoryCeiling(container int64) int64 {
	if container <= 0 {
		return math.MaxInt64
	}
	return max(container/4*3, defaultMemoryLimit)
}

// limitFor is the soft limit with n connections open.
func (m *memoryForConnections) limitFor(n int64) int64 {
	steps := (max(n, 0) + connectionStep - 1) / connectionStep
	return min(m.base+steps*connectionStep*connectionMemory, m.ceiling)
}

// connState is an http.Server's ConnState hook.
func (m *memoryForConnections) connState(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		m.open.Add(1)
	case http.StateClosed, http.StateHijacked:
		m.open.Add(-1)
	default:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit := m.limitFor(m.open.Load()); limit != m.set {
		debug.SetMemoryLimit(limit)
		m.set = limit
	}
}
