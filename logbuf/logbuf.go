// Package logbuf holds log lines in memory and writes them out in batches,
// as nginx's access_log does with buffer= and flush=: at least once per
// interval, whenever the buffer fills, at once for warnings and errors,
// and on Close. A page view then costs a copy into memory instead of a
// system call while every other request waits on the log's lock.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// DefaultSize is how many bytes of lines a Writer holds before it writes
// them out: a few hundred request lines, one system call.
const DefaultSize = 64 << 10

// Writer buffers whole lines for out. Each Write is kept whole and in
// order, never split or mixed with another, so a log handler that writes
// one line per call (as slog's do) gets whole lines out. A Writer is safe
// for concurrent use.
type Writer struct {
	out  io.Writer
	size int

	mu     sync.Mutex // guards buf and closed
	buf    []byte
	closed bool // after Close, lines go straight out

	// outMu lets one batch go out at a time, in the order taken, and
	// guards spare, the batch being written while new lines fill buf.
	outMu sync.Mutex
	spare []byte

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// New returns a Writer that holds up to size bytes for out and writes
// them out at least every interval. Close it before the process exits.
func New(out io.Writer, size int, interval time.Duration) *Writer {
	w := &Writer{
		out:   out,
		size:  size,
		buf:   make([]byte, 0, size),
		spare: make([]byte, 0, size),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go w.flushEvery(interval)
	return w
}

// Write holds p to be written out later, or writes out what is held first
// when p does not fit beside it.
func (w *Writer) Write(p []byte) (int, error) {
	if w.hold(p) {
		return len(p), nil
	}
	w.outMu.Lock()
	defer w.outMu.Unlock()
	if err := w.writeHeld(nil); err != nil {
		return 0, err
	}
	if w.hold(p) {
		return len(p), nil
	}
	// Too long to hold, no longer held, or the buffer filled again while
	// this line waited: out now, after the lines before it.
	if err := w.writeHeld(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// hold appends p to the buffer if it fits and the Writer is open.
func (w *Writer) hold(p []byte) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || len(w.buf)+len(p) > w.size {
		return false
	}
	w.buf = append(w.buf, p...)
	return true
}

// Flush writes out every line held.
func (w *Writer) Flush() error {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	return w.writeHeld(nil)
}

// writeHeld writes out the lines held, then then (when not nil). The
// caller holds outMu. New lines fill the other buffer meanwhile, so a
// slow log never holds up the lock that requests append under.
func (w *Writer) writeHeld(then []byte) error {
	w.mu.Lock()
	w.buf, w.spare = w.spare[:0], w.buf
	w.mu.Unlock()
	var err error
	if len(w.spare) > 0 {
		_, err = w.out.Write(w.spare)
	}
	if then != nil && err == nil {
		_, err = w.out.Write(then)
	}
	return err
}

// flushEvery writes out what is held every interval until Close.
func (w *Writer) flushEvery(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = w.Flush() // the next flush tries again; there is nowhere else to report it
		case <-w.stop:
			return
		}
	}
}

// Close writes out every line held and stops the periodic flush. Lines
// written after Close go straight out.
func (w *Writer) Close() error {
	w.once.Do(func() {
		close(w.stop)
		<-w.done
	})
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	return w.writeHeld(nil)
}

// FlushAt wraps h, which writes to w, so that records at level or above
// (warnings and errors, say) are written out as soon as they are logged,
// with every line held before them.
func FlushAt(h slog.Handler, w *Writer, level slog.Leveler) slog.Handler {
	return &flushingHandler{Handler: h, w: w, level: level}
}

type flushingHandler struct {
	slog.Handler
	w     *Writer
	level slog.Leveler
}

func (h *flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level.Level() {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h *flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &flushingHandler{Handler: h.Handler.WithAttrs(attrs), w: h.w, level: h.level}
}

func (h *flushingHandler) WithGroup(name string) slog.Handler {
	return &flushingHandler{Handler: h.Handler.WithGroup(name), w: h.w, level: h.level}
}
