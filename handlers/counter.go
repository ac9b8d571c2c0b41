package handlers

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stellapop/intake/models"
)

// FlushEvery is how often the funnel counter writes its counts.
const FlushEvery = 10 * time.Second

// FunnelCounter counts the funnel's steps per UTC day in memory and adds
// them to the database every FlushEvery and on shutdown, so counting a page
// view costs an atomic add, never a lock or a database write: the article
// stays as fast as a static file. A crash loses the counts since the last
// flush, at most FlushEvery's worth; for analytics that is an acceptable
// price, and nothing about a person is kept either way.
//
// A nil *FunnelCounter counts nothing, so tests and tools need not build one.
type FunnelCounter struct {
	store *models.Store
	log   *slog.Logger
	now   func() time.Time // time.Now; a test's clock in tests

	// today is the day counted into now, read without a lock; mu guards
	// turning it over, the days held and the counts of other metrics.
	today atomic.Pointer[dayCounts]
	mu    sync.Mutex
	days  map[int64]*dayCounts

	// flushMu lets one flush run at a time, so counts a failed flush puts
	// back are in place before the next flush takes its snapshot.
	flushMu sync.Mutex
}

// funnelSteps are the metrics counted with an atomic each; any other name
// is counted too, under the lock.
var funnelSteps = [...]string{
	models.MetricArticleViews,
	models.MetricDiagnosticStarts,
	models.MetricDiagnosticsCompleted,
	models.MetricLeads,
}

// dayCounts are one UTC day's counts, the day as days since 1970: cheaper
// than formatting a date on every request.
type dayCounts struct {
	day   int64
	steps [len(funnelSteps)]atomic.Int64
	other map[string]int64 // guarded by FunnelCounter.mu
	// campaigns are the campaign-start metrics counted by name this day,
	// kept across flushes to hold them to models.CampaignStartsPerDay;
	// guarded by FunnelCounter.mu.
	campaigns map[string]bool
}

// stepIndex is metric's place in funnelSteps, or -1.
func stepIndex(metric string) int {
	for i, m := range funnelSteps {
		if m == metric {
			return i
		}
	}
	return -1
}

// NewFunnelCounter returns a counter that flushes into store.
func NewFunnelCounter(store *models.Store, log *slog.Logger) *FunnelCounter {
	if log == nil {
		log = slog.Default()
	}
	return &FunnelCounter{store: store, log: log, now: time.Now, days: map[int64]*dayCounts{}}
}

// Inc counts one occurrence of metric today.
func (c *FunnelCounter) Inc(metric string) {
	if c == nil {
		return
	}
	day := c.now().Unix() / 86400
	d := c.today.Load()
	if d == nil || d.day != day {
		d = c.turnTo(day)
	}
	if i := stepIndex(metric); i >= 0 {
		d.steps[i].Add(1)
		return
	}
	c.mu.Lock()
	d.other[metric]++
	c.mu.Unlock()
}

// IncCampaignStart counts one diagnostic start from a link with this
// utm_source and utm_campaign, for the campaign report. The values come
// from visitors, so a day counts at most models.CampaignStartsPerDay pairs
// by name on this instance; starts from any further pair, or with a value
// too long, are counted together as "other".
func (c *FunnelCounter) IncCampaignStart(source, campaign string) {
	if c == nil {
		return
	}
	metric := models.CampaignStartsMetric(source, campaign)
	day := c.now().Unix() / 86400
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dayLocked(day)
	if metric != models.CampaignStartsOtherMetric && !d.campaigns[metric] {
		if len(d.campaigns) >= models.CampaignStartsPerDay {
			metric = models.CampaignStartsOtherMetric
		} else {
			d.campaigns[metric] = true
		}
	}
	d.other[metric]++
}

// turnTo returns the counts of day, making them today's if day is later.
func (c *FunnelCounter) turnTo(day int64) *dayCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dayLocked(day)
	if t := c.today.Load(); t == nil || t.day < day {
		c.today.Store(d)
	}
	return d
}

// dayLocked returns the counts of day, made if not held; c.mu is held.
func (c *FunnelCounter) dayLocked(day int64) *dayCounts {
	d := c.days[day]
	if d == nil {
		d = &dayCounts{day: day, other: map[string]int64{}, campaigns: map[string]bool{}}
		c.days[day] = d
	}
	return d
}

// Flush adds every count held to the database. If that fails the counts
// are kept, to be added by the next flush, and the error is returned.
func (c *FunnelCounter) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	taken := c.take()
	if len(taken) == 0 {
		return nil
	}
	rows := make([]models.DailyCount, len(taken))
	for i, t := range taken {
		day := time.Unix(t.day*86400, 0).UTC().Format(models.DayLayout)
		rows[i] = models.DailyCount{Day: day, Metric: t.metric, Count: t.n}
	}
	if err := c.store.AddDailyCounts(ctx, rows); err != nil {
		c.putBack(taken)
		return err
	}
	return nil
}

// takenCount is a count taken out of the counter to be written.
type takenCount struct {
	day    int64
	metric string
	n      int64
}

// take empties every day's counts into rows. A count added while it runs
// lands either in rows or in the next take, never in neither.
func (c *FunnelCounter) take() []takenCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	today := c.now().Unix() / 86400
	var taken []takenCount
	for day, d := range c.days {
		for i := range d.steps {
			if n := d.steps[i].Swap(0); n != 0 {
				taken = append(taken, takenCount{day, funnelSteps[i], n})
			}
		}
		for metric, n := range d.other {
			taken = append(taken, takenCount{day, metric, n})
		}
		clear(d.other)
		// A view may have read yesterday's counts just before midnight and
		// add to them a moment later, so a day is let go only once it is
		// two days old.
		if day < today-1 && d != c.today.Load() {
			delete(c.days, day)
		}
	}
	return taken
}

// putBack adds counts a failed flush took back to the counter.
func (c *FunnelCounter) putBack(taken []takenCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range taken {
		d := c.dayLocked(t.day)
		if i := stepIndex(t.metric); i >= 0 {
			d.steps[i].Add(t.n)
		} else {
			d.other[t.metric] += t.n
		}
	}
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
