package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Dashboard settings.
const (
	// WindowDays is how far back, from midnight today, the dashboard's
	// bands, sources and waiting leads look: the summary rows of 90 days
	// are read in a few milliseconds, where every day ever would grow
	// with the years.
	WindowDays = 90
	// WaitingAfterWorkingDays is how long a new lead may go untouched
	// before the dashboard lists it.
	WaitingAfterWorkingDays = 2
	// WaitingListed is how many waiting leads the dashboard names.
	WaitingListed = 20
	// WaitingCountCap bounds the count of waiting leads: past it the
	// dashboard says "more than", and a query that can stop does.
	WaitingCountCap = 1000
	// TopSources is how many sources the dashboard shows by name.
	TopSources = 8
	// FunnelDays is how many days, today included, the funnel covers.
	FunnelDays = 30
)

// Dashboard is the workspace's overview as of Now. Weeks, months and days
// are UTC; weeks start on Monday.
type Dashboard struct {
	Now                           time.Time
	WeekStart, MonthStart         time.Time
	LeadsThisWeek, LeadsThisMonth int64

	// WindowStart is where the waiting leads, bands and sources begin:
	// WindowDays before midnight today.
	WindowStart time.Time

	// Waiting are new leads nobody has touched for more than
	// WaitingAfterWorkingDays working days, longest waiting first.
	Waiting      []WaitingLead
	WaitingTotal int64 // capped at WaitingCountCap+1: more means "over the cap"

	WindowLeads  int64        // leads created since WindowStart
	Bands        []GroupCount // each band with leads since WindowStart, largest first
	Sources      []GroupCount // the TopSources largest, largest first; "" is no source
	OtherSources int64        // leads since WindowStart from every source not in Sources

	Funnel Funnel
}

// WaitingLead is a new lead nobody has touched yet.
type WaitingLead struct {
	ID        int64
	Name      string
	Company   string
	CreatedAt time.Time
}

// GroupCount is how many leads share one value of a column.
type GroupCount struct {
	Value string `gorm:"column:grp"`
	Count int64  `gorm:"column:n"`
}

// Funnel is how often each step happened over the days First to Last
// (YYYY-MM-DD, UTC, inclusive). A visitor who reads the article twice is
// two views: nothing ties a count to a person.
type Funnel struct {
	First, Last          string
	ArticleViews         int64
	DiagnosticStarts     int64
	DiagnosticsCompleted int64
	Leads                int64
	Won                  int64 // leads moved to won in the period, less those moved away from won
	// EmbedStarts are the starts in other sites' frames (counted in
	// DiagnosticStarts too) by embedding origin, most first; Value ""
	// is a frame that named no allowed origin.
	EmbedStarts []GroupCount
}

// LoadDashboard gathers the overview as of now; now is a parameter so tests
// can stand on any day of the week.
func (s *Store) LoadDashboard(ctx context.Context, now time.Time) (*Dashboard, error) {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	d := &Dashboard{
		Now:         now,
		WeekStart:   midnight.AddDate(0, 0, -(int(now.Weekday())+6)%7),
		MonthStart:  time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC),
		WindowStart: midnight.AddDate(0, 0, -WindowDays),
	}
	first := midnight.AddDate(0, 0, -(FunnelDays - 1))
	err := s.together(
		func() error {
			return s.loadWaiting(ctx, d, d.WindowStart, WorkingCutoff(now, WaitingAfterWorkingDays))
		},
		func() error { return s.loadBands(ctx, d) },
		func() (err error) { d.Sources, err = s.loadSources(ctx, d); return err },
		func() (err error) { d.Funnel, err = s.funnel(ctx, first, now); return err },
	)
	if err != nil {
		return nil, err
	}
	d.OtherSources = d.WindowLeads
	for _, src := range d.Sources {
		d.OtherSources -= src.Count
	}
	return d, nil
}

// together runs the dashboard's independent parts. On PostgreSQL they run
// at once, each on a connection of its own, so the page costs its slowest
// part rather than the sum of them. SQLite has one connection: there they
// run one after the other.
func (s *Store) together(parts ...func() error) error {
	errs := make([]error, len(parts))
	if s.dialect != Postgres {
		for i, part := range parts {
			if errs[i] = part(); errs[i] != nil {
				break
			}
		}
		return errors.Join(errs...)
	}
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = part() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadWaiting lists and counts new, untouched leads created from since to
// before cutoff, oldest first. The list stops at WaitingListed rows and the
// count at WaitingCountCap+1. Both walk the partial index of untouched new
// leads (leads_untouched_idx) by creation time and stop there: under a
// millisecond each at a million leads.
func (s *Store) loadWaiting(ctx context.Context, d *Dashboard, since, cutoff time.Time) error {
	const where = "status = ? AND touched_at IS NULL AND created_at >= ? AND created_at < ?"
	db := s.db.WithContext(ctx)
	err := db.Model(&Lead{}).Select("id, name, company, created_at").
		Where(where, StatusNew, since, cutoff).
		Order("created_at").Order("id").Limit(WaitingListed).
		Scan(&d.Waiting).Error
	if err != nil {
		return fmt.Errorf("list waiting leads: %w", err)
	}
	// Ordered like the list, so PostgreSQL walks the created_at index and
	// stops at the cap instead of reading every match first.
	err = db.Raw("SELECT count(*) FROM (SELECT 1 FROM leads WHERE "+where+" ORDER BY created_at LIMIT ?) AS waiting",
		StatusNew, since, cutoff, WaitingCountCap+1).Scan(&d.WaitingTotal).Error
	if err != nil {
		return fmt.Errorf("count waiting leads: %w", err)
	}
	return nil
}

// loadBands counts the leads since WindowStart per band, and those of
// this week and month, from the band summary's rows of the window's days
// (band_stats, kept up with every lead): a few dozen rows a day, however
// many leads there are. The week and the month both lie in the window.
func (s *Store) loadBands(ctx context.Context, d *Dashboard) error {
	var rows []struct {
		Band               string
		Leads, Month, Week int64
	}
	err := s.db.WithContext(ctx).Table("band_stats").
		Select(`band, sum(leads) AS leads,
			sum(CASE WHEN day >= ? THEN leads ELSE 0 END) AS month,
			sum(CASE WHEN day >= ? THEN leads ELSE 0 END) AS week`,
			d.MonthStart.Format(DayLayout), d.WeekStart.Format(DayLayout)).
		Where("day >= ?", d.WindowStart.Format(DayLayout)).
		Group("band").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("count leads by band: %w", err)
	}
	bands := map[string]int64{}
	for _, r := range rows {
		d.LeadsThisWeek += r.Week
		d.LeadsThisMonth += r.Month
		d.WindowLeads += r.Leads
		bands[r.Band] += r.Leads
	}
	d.Bands = largestFirst(bands, 0)
	return nil
}

// loadSources counts the leads since WindowStart per source, from the
// campaign summary's rows of the window's days, and returns them largest
// first; loadBands has the total the other sources are taken from.
func (s *Store) loadSources(ctx context.Context, d *Dashboard) ([]GroupCount, error) {
	var rows []GroupCount
	err := s.db.WithContext(ctx).Table("campaign_stats").
		Select("utm_source AS grp, sum(leads) AS n").
		Where("day >= ?", d.WindowStart.Format(DayLayout)).
		Group("utm_source").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count leads by source: %w", err)
	}
	sources := map[string]int64{}
	for _, r := range rows {
		sources[r.Value] += r.Count
	}
	return largestFirst(sources, TopSources), nil
}

// largestFirst lists the values with leads, largest count first (ties by
// value), at most limit of them (0: all).
func largestFirst(counts map[string]int64, limit int) []GroupCount {
	var out []GroupCount
	for v, n := range counts {
		if n != 0 {
			out = append(out, GroupCount{Value: v, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Count > out[j].Count || (out[i].Count == out[j].Count && out[i].Value < out[j].Value)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// funnel sums the daily counts from first to now. Wins are counted there
// too, on the day they happen (MetricLeadsWon), so "won" is the leads
// moved to won in the period less those moved away from won in it.
func (s *Store) funnel(ctx context.Context, first, now time.Time) (Funnel, error) {
	f := Funnel{First: first.Format(DayLayout), Last: now.Format(DayLayout)}
	totals, err := s.DailyTotals(ctx, f.First, f.Last)
	if err != nil {
		return f, err
	}
	f.ArticleViews = totals[MetricArticleViews]
	f.DiagnosticStarts = totals[MetricDiagnosticStarts]
	f.DiagnosticsCompleted = totals[MetricDiagnosticsCompleted]
	f.Leads = totals[MetricLeads]
	f.Won = max(totals[MetricLeadsWon], 0)
	for metric, n := range totals {
		if origin, ok := strings.CutPrefix(metric, embedStartsPrefix); ok && n > 0 {
			f.EmbedStarts = append(f.EmbedStarts, GroupCount{Value: origin, Count: n})
		}
	}
	sort.Slice(f.EmbedStarts, func(i, j int) bool {
		a, b := f.EmbedStarts[i], f.EmbedStarts[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)
	})
	return f, nil
}

// WorkingCutoff returns the moment that lies exactly days working days
// before now, counting only the hours of Monday to Friday (UTC): a lead
// created before it has waited more than days working days. A lead from
// Friday morning has therefore not waited two working days on Monday
// morning, and has by Tuesday evening.
func WorkingCutoff(now time.Time, days int) time.Time {
	t := now.UTC()
	left := time.Duration(days) * 24 * time.Hour
	for left > 0 {
		start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		if start.Equal(t) {
			start = start.AddDate(0, 0, -1)
		}
		if weekend(start) {
			t = start
			continue
		}
		if have := t.Sub(start); have < left {
			left -= have
			t = start
			continue
		}
		return t.Add(-left)
	}
	return t
}

// WorkingDays is how many whole working days (24 hours of Monday to Friday,
// UTC) lie between from and to.
func WorkingDays(from, to time.Time) int {
	from, to = from.UTC(), to.UTC()
	var total time.Duration
	for t := from; t.Before(to); {
		next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		if next.After(to) {
			next = to
		}
		if !weekend(t) {
			total += next.Sub(t)
		}
		t = next
	}
	return int(total / (24 * time.Hour))
}

func weekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
