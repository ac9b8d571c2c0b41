package logline_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stellapop/intake/logline"
)

// Every record, simple or not, must come out exactly as slog's own
// handler writes it: the log's readers and collectors see no difference.
func TestLinesAreWhatSlogWrites(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 12, 3, 1, 26, 14, 635_123_456, time.UTC),
		time.Date(2026, 12, 3, 1, 26, 14, 635_123_456, time.UTC).In(time.FixedZone("CET", 3600)), // the same second elsewhere
		time.Date(2026, 12, 3, 1, 26, 14, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 7_000_000, time.FixedZone("CET", 3600)),
		time.Date(2026, 6, 30, 23, 59, 59, 999_999_999, time.FixedZone("", -9*3600-1800)),
		time.Date(2026, 12, 3, 1, 26, 14, 120_000_000, time.UTC),
		time.Date(2026, 12, 3, 1, 26, 14, 1, time.UTC),
		time.Date(2026, 12, 3, 1, 26, 15, 999_000, time.UTC), // the next second, in the cache's place
		time.Date(2026, 3, 29, 1, 59, 59, 999_999_999, mustZone(t, "Europe/Berlin")),
		time.Date(2026, 3, 29, 3, 0, 0, 0, mustZone(t, "Europe/Berlin")), // a second later, summer time
		time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 5, time.UTC),
		time.Now(), // with a monotonic reading
	}
	strs := []string{"b21e7ad11f18-1abc", "GET", "/articles/:slug", "/static/*", "", "two words", `say "hi"`, `back\slash`,
		"a=b", "tab\there", "new\nline", "ünïcödé", "<script>&", "\x7f", "\xff", "caf\u00e9", "x\u2028y"}
	for _, json := range []bool{false, true} {
		for _, when := range times {
			for _, s := range strs {
				for _, level := range []slog.Level{slog.LevelInfo, slog.LevelError, slog.LevelDebug + 1} {
					r := slog.NewRecord(when, level, "request", 0)
					r.AddAttrs(slog.String("id", s), slog.String("method", "GET"), slog.String("route", "/articles/leadership-vs-management"),
						slog.Int("status", 200), slog.Duration("latency", 173*time.Microsecond), slog.Int("n", -3))
					check(t, json, r)
					msg := slog.NewRecord(when, level, s, 0)
					msg.AddAttrs(slog.String(s, "v"), slog.Duration("took", 1500*time.Millisecond+3))
					check(t, json, msg)
				}
			}
			other := slog.NewRecord(when, slog.LevelWarn, "other kinds", 0)
			other.AddAttrs(slog.Bool("ok", true), slog.Float64("f", 1.5), slog.Any("err", context.Canceled),
				slog.Group("g", slog.String("a", "b")), slog.Time("at", when), slog.Uint64("u", 7))
			check(t, json, other)
			check(t, json, slog.NewRecord(when, slog.LevelInfo, "no attributes", 0))
		}
		check(t, json, slog.NewRecord(time.Time{}, slog.LevelInfo, "no time", 0))
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// handlers holds one Handler per format for the whole test, so that its
// lines share what it keeps from one to the next.
var handlers = map[bool]struct {
	h   *logline.Handler
	out *bytes.Buffer
}{}

func check(t *testing.T, json bool, r slog.Record) {
	t.Helper()
	var want bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&want, nil)
	if json {
		h = slog.NewJSONHandler(&want, nil)
	}
	if err := h.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	lh, ok := handlers[json]
	if !ok {
		lh.out = &bytes.Buffer{}
		var next slog.Handler = slog.NewTextHandler(lh.out, nil)
		if json {
			next = slog.NewJSONHandler(lh.out, nil)
		}
		lh.h = logline.New(lh.out, json, next)
		handlers[json] = lh
	}
	lh.out.Reset()
	if err := lh.h.Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	if got := lh.out.String(); got != want.String() {
		t.Errorf("json=%v:\n got %q\nwant %q", json, got, want.String())
	}
}

// A logger made from the Handler with attributes or a group keeps them,
// as slog's does.
func TestDerivedLoggersKeepTheirAttributes(t *testing.T) {
	var want, got bytes.Buffer
	wl := slog.New(slog.NewTextHandler(&want, nil)).With("app", "intake").WithGroup("g")
	gl := slog.New(logline.New(&got, false, slog.NewTextHandler(&got, nil))).With("app", "intake").WithGroup("g")
	wl.Info("request", "status", 200)
	gl.Info("request", "status", 200)
	if got.String() != want.String() {
		t.Errorf("got %q, want %q", got.String(), want.String())
	}
}

// BenchmarkRequestLine is the request's line through the Handler; compare
// BenchmarkRequestLineSlog, slog's text handler alone.
func BenchmarkRequestLine(b *testing.B) {
	var out bytes.Buffer
	benchmarkRequestLine(b, &out, logline.New(&out, false, slog.NewTextHandler(&out, nil)))
}

func BenchmarkRequestLineSlog(b *testing.B) {
	var out bytes.Buffer
	benchmarkRequestLine(b, &out, slog.NewTextHandler(&out, nil))
}

func benchmarkRequestLine(b *testing.B, out *bytes.Buffer, h slog.Handler) {
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
		r.AddAttrs(slog.String("id", "b21e7ad11f18-1abc"), slog.String("method", "GET"),
			slog.String("route", "/articles/leadership-vs-management"), slog.Int("status", 200), slog.Duration("latency", 173*time.Microsecond))
		_ = h.Handle(context.Background(), r)
	}
}
