package handlers

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/stellapop/intake/models"
)

// FlushEvery is how often the funnel counter writes its counts.
const FlushEvery = 10 * time.Second

// FunnelCounter counts the funnel's steps per UTC day in memory and adds
// them to the database every FlushEvery and on shutdown, so counting a page
// view costs a lock and a map update, never a database write: the article
// stays as fast as a static file. A crash loses the counts since the last
// flush, at most FlushEvery's worth; for analytics that is an acceptable
// price, and nothing about a person is kept either way.
//
// A nil *FunnelCounter counts nothing, so tests and tools need not build one.
type FunnelCounter struct {
	store *models.Store
	log   *slog.Logger

	mu     sync.Mutex
	counts map[countKey]int64

	// flushMu lets one flush run at a time, so counts a failed flush puts
	// back are in place before the next flush takes its snapshot.
	flushMu sync.Mutex
}

// countKey is one metric on one day, the day as days since 1970 (UTC):
// cheaper than formatting a date on every request.
type countKey struct {
	day    int64
	metric string
}

// NewFunnelCounter returns a counter that flushes into store.
func NewFunnelCounter(store *models.Store, log *slog.Logger) *FunnelCounter {
	if log == nil {
		log = slog.Default()
	}
	return &FunnelCounter{store: store, log: log, counts: map[countKey]int64{}}
}

// Inc counts one occurrence of metric today.
func (c *FunnelCounter) Inc(metric string) {
	if c == nil {
		return
	}
	k := countKey{day: time.Now().Unix() / 86400, metric: metric}
	c.mu.Lock()
	c.counts[k]++
	c.mu.Unlock()
}

// Flush adds every count held to the database. If that fails the counts
// are kept, to be added by the next flush, and the error is returned.
func (c *FunnelCounter) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	taken := c.counts
	c.counts = make(map[countKey]int64, len(taken))
	c.mu.Unlock()
	if len(taken) == 0 {
		return nil
	}
	rows := make([]models.DailyCount, 0, len(taken))
	for k, n := range taken {
		day := time.Unix(k.day*86400, 0).UTC().Format(models.DayLayout)
		rows = append(rows, models.DailyCount{Day: day, Metric: k.metric, Count: n})
	}
	if err := c.store.AddDailyCounts(ctx, rows); err != nil {
		c.mu.Lock()
		for k, n := range taken {
			c.counts[k] += n
		}
		c.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes every FlushEvery until ctx is cancelled. It does not flush on
// the way out: requests may still be finishing then, so whoever shuts the
// server down calls Flush once they have.
func (c *FunnelCounter) Run(ctx context.Context) {
	if c == nil {
		return
	}
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			// Not ctx itself: shutdown would cancel a write halfway, which
			// may be applied yet reported failed and so be added twice.
			// The timeout only guards against a database that hangs.
			flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := c.Flush(flushCtx); err != nil {
				c.log.Warn("flush funnel counts; will retry", slog.Any("error", err))
			}
			cancel()
		}
	}
}

// countCompleted counts a diagnostic sent with every answer valid, whether
// or not the contact step was: the funnel's "completed" step.
func (h *Handlers) countCompleted(f *diagnosticForm) {
	if f.FormError == "" && len(f.Answers) == len(h.Diagnostic.Questions) {
		h.Funnel.Inc(models.MetricDiagnosticsCompleted)
	}
}
