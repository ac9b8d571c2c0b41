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
	// bands, sources and waiting leads look. Counting every lead ever per
	// band is a scan of the whole table on PostgreSQL at a million leads
	// (the planner prefers it to the index, ~250 ms); counting one band's
	// last 90 days reads only those days' entries of the band's index.
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

// funnelWonStatus and funnelWonSuffix find a lead being won in its history:
// a status_changed entry whose detail reads "<from> → won".
const (
	funnelWonStatus = "won"
	funnelWonSuffix = "→ won"
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
	Won                  int64 // leads whose status became won in the period
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
		func() (err error) { d.LeadsThisWeek, err = s.leadsSince(ctx, d.WeekStart); return err },
		func() (err error) { d.LeadsThisMonth, err = s.leadsSince(ctx, d.MonthStart); return err },
		func() error {
			return s.loadWaiting(ctx, d, d.WindowStart, WorkingCutoff(now, WaitingAfterWorkingDays))
		},
		func() error { return s.loadGroups(ctx, d) },
		func() (err error) { d.Funnel, err = s.funnel(ctx, first, now); return err },
	)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// together runs the dashboard's independent parts. On PostgreSQL they run
// at once, each on a connection of its own, so the page costs its slowest
// part rather than the sum of them: at a million leads the page's median
// went from 310 ms to 139 ms, the slowest part now being the count of won
// leads (about 80 ms). SQLite has one connection: there they run one after
// the other.
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

// leadsSince counts leads created at or after t: a range of the created_at
// index, read without touching the table.
func (s *Store) leadsSince(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Lead{}).Where("created_at >= ?", t).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count leads since %s: %w", t.Format(DayLayout), err)
	}
	return n, nil
}

// loadWaiting lists and counts new, untouched leads created from since to
// before cutoff, oldest first. The list stops at WaitingListed rows and the
// count at WaitingCountCap+1. Neither can come from an index alone, since
// no index holds touched_at, so since bounds the (status, created_at)
// range that is read.
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

// maxGroupValues caps how many distinct values of a column the dashboard
// counts: utm_source comes from visitors' links, so it could have many.
// Past the cap, sources late in the alphabet can only be among "other".
const maxGroupValues = 1000

// distinctValuesSQL lists a column's values by hopping through the index
// that starts with it, one probe per value: a loose index scan, which
// PostgreSQL 15 does not do by itself. Only the two columns below are ever
// put in it, never input.
func distinctValuesSQL(column string) string {
	return `WITH RECURSIVE vals(v) AS (
		SELECT min(` + column + `) FROM leads
		UNION ALL
		SELECT (SELECT min(` + column + `) FROM leads WHERE ` + column + ` > vals.v) FROM vals WHERE vals.v IS NOT NULL)
	SELECT v FROM vals WHERE v IS NOT NULL LIMIT ?`
}

var distinctValues = map[string]string{
	"band":       distinctValuesSQL("band"),
	"utm_source": distinctValuesSQL("utm_source"),
}

// groupCounts counts the leads created since a moment per value of column,
// largest first. Naming the values (column IN …) lets PostgreSQL count
// from the (column, created_at) index alone, reading only the entries
// since that moment; without them it would scan every lead.
func (s *Store) groupCounts(ctx context.Context, column string, since time.Time, limit int) ([]GroupCount, error) {
	query, ok := distinctValues[column]
	if !ok {
		return nil, fmt.Errorf("count leads by %q: not a grouping column", column)
	}
	db := s.db.WithContext(ctx)
	var vals []string
	if err := db.Raw(query, maxGroupValues).Scan(&vals).Error; err != nil {
		return nil, fmt.Errorf("list values of %s: %w", column, err)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	var out []GroupCount
	err := db.Model(&Lead{}).Select(column+" AS grp, count(*) AS n").
		Where(column+" IN ? AND created_at >= ?", vals, since).
		Group(column).Order("n DESC").Order("grp").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("count leads by %s: %w", column, err)
	}
	return out, nil
}

// loadGroups counts the leads since WindowStart per band and per source.
func (s *Store) loadGroups(ctx context.Context, d *Dashboard) error {
	var err error
	if d.Bands, err = s.groupCounts(ctx, "band", d.WindowStart, maxGroupValues); err != nil {
		return err
	}
	if d.Sources, err = s.groupCounts(ctx, "utm_source", d.WindowStart, TopSources); err != nil {
		return err
	}
	for _, b := range d.Bands {
		d.WindowLeads += b.Count
	}
	d.OtherSources = d.WindowLeads
	for _, src := range d.Sources {
		d.OtherSources -= src.Count
	}
	return nil
}

// funnel sums the daily counts from first to now and counts the leads won
// since first. A win is read from the history, where the status change is
// recorded anyway, of leads whose status is still won: with the usual few
// won leads PostgreSQL probes each one's history by lead_activity_lead_idx.
// With tens of thousands it reads the whole history instead (about 200 ms
// at 3 million entries), since no index starts with kind or created_at.
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
	for metric, n := range totals {
		if origin, ok := strings.CutPrefix(metric, embedStartsPrefix); ok && n > 0 {
			f.EmbedStarts = append(f.EmbedStarts, GroupCount{Value: origin, Count: n})
		}
	}
	sort.Slice(f.EmbedStarts, func(i, j int) bool {
		a, b := f.EmbedStarts[i], f.EmbedStarts[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)
	})
	err = s.db.WithContext(ctx).Raw(`SELECT count(DISTINCT a.lead_id) FROM leads l
		JOIN lead_activity a ON a.lead_id = l.id
		WHERE l.status = ? AND a.kind = ? AND a.detail LIKE ? AND a.created_at >= ? AND a.created_at <= ?`,
		funnelWonStatus, ActivityStatusChanged, "%"+funnelWonSuffix, first, now).Scan(&f.Won).Error
	if err != nil {
		return f, fmt.Errorf("count won leads: %w", err)
	}
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
