// Package logline writes simple log records in exactly the form slog's
// text or JSON handler would, without slog's general machinery: a record
// whose attributes are strings, integers and durations, with names and
// string values that need no quoting or escaping, is appended to a buffer
// by hand. Any other record goes to slog's handler. Each request logs such
// a record, and slog's handler spent more on it than the article's whole
// response did on its headers.
package logline

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Handler is a slog.Handler that writes simple records itself and hands
// the rest to the slog handler it was made with.
type Handler struct {
	out  io.Writer
	json bool
	next slog.Handler
	// second is the last time written, up to its second: the lines of
	// one second share it, as formatting a date is a large part of a
	// line's cost.
	second atomic.Pointer[second]
}

// second is a time written up to its second, and its zone.
type second struct {
	unix int64
	loc  *time.Location
	date string // 2006-01-02T15:04:05
	zone string // Z or -07:00
}

// New returns a Handler writing to out in the form of next, which must be
// slog.NewTextHandler(out, opts) or, with json, slog.NewJSONHandler(out,
// opts), with neither ReplaceAttr nor AddSource set in opts.
func New(out io.Writer, json bool, next slog.Handler) *Handler {
	return &Handler{out: out, json: json, next: next}
}

// Enabled reports whether next logs records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// WithAttrs and WithGroup give next's own handler: records of a logger
// made with attributes or groups are not this package's simple kind.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.next.WithAttrs(attrs) }

// WithGroup: see WithAttrs.
func (h *Handler) WithGroup(name string) slog.Handler { return h.next.WithGroup(name) }

var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Handle writes r as one line, in one Write.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if y := r.Time.Year(); r.Time.IsZero() || y < 0 || y >= 10000 || !plain(r.Message) {
		return h.next.Handle(ctx, r)
	}
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	b, ok := h.appendRecord((*bp)[:0], r)
	*bp = b
	if !ok {
		return h.next.Handle(ctx, r)
	}
	_, err := h.out.Write(b)
	return err
}

// plainByte marks the bytes both handlers write as they are: printable
// ASCII but space, quote, backslash and equals sign.
var plainByte = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '"' && c != '\\' && c != '='
	}
	return t
}()

// plain reports whether s is written as it is by both handlers.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return s != ""
}

// appendRecord appends r as a line, or reports that it is not simple: an
// attribute of another kind, or a name or string that needs quoting.
func (h *Handler) appendRecord(b []byte, r slog.Record) ([]byte, bool) {
	if h.json {
		b = append(b, `{"time":"`...)
		b = h.appendTime(b, r.Time)
		b = append(b, `","level":"`...)
	} else {
		b = append(b, "time="...)
		b = h.appendTime(b, r.Time)
		b = append(b, " level="...)
	}
	b = append(b, r.Level.String()...)
	if h.json {
		b = append(b, `","msg":"`...)
		b = append(b, r.Message...)
		b = append(b, '"')
	} else {
		b = append(b, " msg="...)
		b = append(b, r.Message...)
	}
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		if ok = plain(a.Key); !ok {
			return false
		}
		if h.json {
			b = append(b, `,"`...)
			b = append(b, a.Key...)
			b = append(b, `":`...)
		} else {
			b = append(b, ' ')
			b = append(b, a.Key...)
			b = append(b, '=')
		}
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			s := v.String()
			if ok = plain(s); !ok {
				return false
			}
			if h.json {
				b = append(b, '"')
				b = append(b, s...)
				b = append(b, '"')
			} else {
				b = append(b, s...)
			}
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindDuration:
			if h.json {
				b = strconv.AppendInt(b, int64(v.Duration()), 10)
			} else {
				b = append(b, v.Duration().String()...)
			}
		default:
			ok = false
		}
		return ok
	})
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n'), ok
}

// appendTime appends t as the handler would: RFC 3339 with exactly three
// digits of milliseconds, truncated, in text; with the nanoseconds less
// their trailing zeros (none for a whole second) in JSON.
func (h *Handler) appendTime(b []byte, t time.Time) []byte {
	s := h.second.Load()
	if s == nil || s.unix != t.Unix() || s.loc != t.Location() {
		f := t.Truncate(time.Second).Format(time.RFC3339)
		s = &second{unix: t.Unix(), loc: t.Location(), date: f[:19], zone: f[19:]}
		h.second.Store(s)
	}
	b = append(b, s.date...)
	ns := t.Nanosecond()
	if !h.json {
		ms := ns / 1e6
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	} else if ns != 0 {
		var d [9]byte
		for i := 8; i >= 0; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(d)
		for d[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, d[:n]...)
	}
	return append(b, s.zone...)
}
