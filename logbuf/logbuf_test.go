package logbuf_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/logbuf"
)

// output is what the process's standard error would receive: it records
// each write and fails the test if two ever overlap.
type output struct {
	t       *testing.T
	busy    atomic.Bool
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
	delayed time.Duration // each write takes this long, like a slow pipe
}

func (o *output) Write(p []byte) (int, error) {
	if !o.busy.CompareAndSwap(false, true) {
		o.t.Error("two writes reached the output at once")
	}
	defer o.busy.Store(false)
	time.Sleep(o.delayed)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writes++
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor polls until cond holds, or fails after a few seconds: the
// flush is meant to come within a second, but a busy machine may be late.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

func TestLinesAreWrittenOutWithinTheInterval(t *testing.T) {
	out := &output{t: t}
	w := logbuf.New(out, logbuf.DefaultSize, time.Second)
	defer w.Close()
	fmt.Fprintln(w, "msg=request status=200")
	if out.String() != "" {
		t.Fatalf("a line was written out at once: %q", out.String())
	}
	waitFor(t, "the held line written out", func() bool { return out.String() == "msg=request status=200\n" })
	fmt.Fprintln(w, "msg=request status=304")
	waitFor(t, "a second line written out", func() bool { return strings.HasSuffix(out.String(), "status=304\n") })
}

func TestAFullBufferIsWrittenOutAtOnce(t *testing.T) {
	out := &output{t: t}
	w := logbuf.New(out, 100, time.Hour)
	defer w.Close()
	line := strings.Repeat("x", 39) + "\n"
	for range 3 {
		w.Write([]byte(line))
	}
	if got := out.String(); got != line+line {
		t.Errorf("after three 40-byte lines in a 100-byte buffer, out = %q, want the first two", got)
	}
	long := strings.Repeat("y", 150) + "\n"
	w.Write([]byte(long))
	if got := out.String(); got != line+line+line+long {
		t.Errorf("a line longer than the buffer: out = %q, want every line so far in order", got)
	}
}

func TestCloseWritesOutEveryLineAndLaterLinesGoStraightOut(t *testing.T) {
	out := &output{t: t}
	w := logbuf.New(out, logbuf.DefaultSize, time.Hour)
	fmt.Fprintln(w, "msg=stopped")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "msg=stopped\n" {
		t.Fatalf("after Close, out = %q", got)
	}
	fmt.Fprintln(w, "msg=late")
	if got := out.String(); got != "msg=stopped\nmsg=late\n" {
		t.Errorf("a line after Close: out = %q, want it written at once", got)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestWarningsAndErrorsAreWrittenOutAtOnce(t *testing.T) {
	out := &output{t: t}
	w := logbuf.New(out, logbuf.DefaultSize, time.Hour)
	defer w.Close()
	log := slog.New(logbuf.FlushAt(slog.NewTextHandler(w, nil), w, slog.LevelWarn)).With("app", "intake")
	log.Info("request", "status", 200)
	if out.String() != "" {
		t.Fatalf("an info line was written out at once: %q", out.String())
	}
	log.Error("request", "status", 500)
	got := out.String()
	if !strings.Contains(got, "level=INFO") || !strings.Contains(got, "level=ERROR") ||
		strings.Index(got, "level=INFO") > strings.Index(got, "level=ERROR") {
		t.Errorf("after an error, out = %q, want the info line then the error", got)
	}
	if !strings.Contains(got, "app=intake") {
		t.Errorf("the logger's own attributes are lost: %q", got)
	}
}

// TestConcurrentLinesStayWholeAndInOrder writes from many goroutines, some
// lines longer than the buffer, through a slow output, and checks each
// line arrives once, whole, and in its writer's order.
func TestConcurrentLinesStayWholeAndInOrder(t *testing.T) {
	const writers, lines = 16, 400
	out := &output{t: t, delayed: 200 * time.Microsecond}
	w := logbuf.New(out, 1024, 5*time.Millisecond)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range lines {
				// Mostly short lines, and now and then one longer than
				// the buffer.
				size := (g*31+n*17)%60 + 1
				if n%50 == 0 {
					size += 1100
				}
				pad := strings.Repeat(strconv.Itoa(g%10), size)
				fmt.Fprintf(w, "writer=%d line=%d pad=%s end=%d\n", g, n, pad, len(pad))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range got {
		var g, n, size int
		var pad string
		if _, err := fmt.Sscanf(l, "writer=%d line=%d pad=%s end=%d", &g, &n, &pad, &size); err != nil || len(pad) != size ||
			strings.Trim(pad, strconv.Itoa(g%10)) != "" {
			t.Fatalf("a torn or mixed line: %.200q", l)
		}
		if n != next[g] {
			t.Fatalf("writer %d: line %d came after line %d", g, n, next[g]-1)
		}
		next[g]++
	}
	if len(got) != writers*lines {
		t.Errorf("%d lines out, want %d", len(got), writers*lines)
	}
	if out.writes >= writers*lines/2 {
		t.Errorf("%d writes for %d lines: the lines were not batched", out.writes, writers*lines)
	}
}
