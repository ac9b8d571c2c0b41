package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/report"
)

func init() { register(45, "pdf", benchPDF) }

// Result PDF limits (issue 17): each made in under 50 ms, under 200 KB.
const (
	pdfTimeLimit = 50 * time.Millisecond
	pdfSizeLimit = 200 * 1000
)

// benchPDF makes result PDFs one after another in this process, as the
// result PDF's handler does (report.Maker.WriteResult on the shipped
// diagnostic), and watches the heap: its peak over the second half of the
// run must stay within 25% of its peak over the first, or memory grows
// with every PDF; and what the heap keeps after a collection must not
// grow either. No tool makes the same PDF, so the limits are the
// issue's own.
func benchPDF(ctx context.Context, e *env) ([]row, error) {
	n := 1000
	if e.smoke {
		n = 100
	}
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return nil, err
	}
	m, err := report.New()
	if err != nil {
		return nil, err
	}
	var answers = map[string]int{}
	for i, q := range def.Questions {
		answers[q.ID] = q.Options[i%len(q.Options)].Value
	}
	result, err := def.Score(answers)
	if err != nil {
		return nil, err
	}
	in := report.Result{Definition: def, Result: result, Name: "Zoë Ångström-Núñez", FirstName: "Zoë",
		Taken: time.Now(), ArticleURL: "https://intake.example/articles/leadership-vs-management",
		BookingURL: "https://intake.example/book", ResultURL: "https://intake.example/results/token"}

	runtime.GC()
	var peaks, live [2]uint64
	var ms runtime.MemStats
	var buf bytes.Buffer
	largest, slowest, elapsed := 0, time.Duration(0), time.Duration(0)
	for i := range n {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		buf.Reset()
		t := time.Now()
		if err := m.WriteResult(&buf, in); err != nil {
			return nil, err
		}
		took := time.Since(t) // without the heap reading below
		elapsed += took
		slowest = max(slowest, took)
		largest = max(largest, buf.Len())
		runtime.ReadMemStats(&ms)
		half := min(2*i/n, 1)
		peaks[half] = max(peaks[half], ms.HeapAlloc)
		if i == n/2-1 || i == n-1 {
			// What stays after a collection: the peak swings with when
			// the collector runs, what is kept grows only with a leak.
			runtime.GC()
			runtime.ReadMemStats(&ms)
			live[half] = ms.HeapAlloc
		}
	}
	each := elapsed / time.Duration(n)
	mib := func(b uint64) float64 { return float64(b) / (1 << 20) }
	e.note("PDF rows: report.Maker.WriteResult in the bench process, one PDF after another on the shipped diagnostic; the heap is read (HeapAlloc) after every PDF")
	return []row{
		{
			Job:    fmt.Sprintf("result PDFs, %s in a row", thousands(float64(n))),
			Portal: fmt.Sprintf("%s PDFs/s (%.1f ms each, slowest %.1f ms)", thousands(float64(n)/elapsed.Seconds()), msOf(each), msOf(slowest)),
			Target: fmt.Sprintf("< %d ms each", pdfTimeLimit.Milliseconds()),
			Pass:   under(msOf(each), msOf(pdfTimeLimit)),
		},
		{
			Job:    "result PDF size",
			Portal: fmt.Sprintf("%s KB", thousands(float64(largest)/1000)),
			Target: fmt.Sprintf("< %d KB", pdfSizeLimit/1000),
			Pass:   under(float64(largest), pdfSizeLimit),
		},
		{
			Job: fmt.Sprintf("result PDFs: heap over each half of the %s (peak; kept after a collection)", thousands(float64(n))),
			Portal: fmt.Sprintf("peak %.0f MiB, then %.0f MiB; kept %.1f MiB, then %.1f MiB",
				mib(peaks[0]), mib(peaks[1]), mib(live[0]), mib(live[1])),
			Target: "flat: second half's peak ≤ first + 25%, kept ≤ first + 10%",
			Pass:   bounded(int64(peaks[0]), int64(peaks[1]), 1.25) && bounded(int64(live[0]), int64(live[1]), 1.1),
		},
	}, nil
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
