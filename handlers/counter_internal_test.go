package handlers

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestFunnelCounterCountsEveryStepAcrossMidnight counts every step, and a
// metric outside the funnel's, from many goroutines while flushes race
// them, on both sides of midnight: every day gets exactly its own counts.
func TestFunnelCounterCountsEveryStepAcrossMidnight(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	funnel := NewFunnelCounter(store, nil)
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC).Unix())
	funnel.now = func() time.Time { return time.Unix(clock.Load(), 0) }

	metrics := []string{models.MetricArticleViews, models.MetricDiagnosticStarts,
		models.MetricDiagnosticsCompleted, models.MetricLeads, "newsletter_signups"}
	const workers, each = 8, 300
	countDay := func() {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					for i, m := range metrics {
						for range i + 1 { // each metric its own number of times
							funnel.Inc(m)
						}
					}
				}
			})
		}
		for range 5 { // flushes racing the counting
			if err := funnel.Flush(t.Context()); err != nil {
				t.Error(err)
			}
		}
		wg.Wait()
	}
	countDay()
	clock.Add(120) // 00:01 the next day
	countDay()
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	for _, day := range []string{"2026-03-14", "2026-03-15"} {
		got, err := store.DailyTotals(t.Context(), day, day)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range metrics {
			if want := int64(workers * each * (i + 1)); got[m] != want {
				t.Errorf("%s on %s = %d, want %d", m, day, got[m], want)
			}
		}
	}

	// Two days on, the first day's empty counts are let go.
	clock.Add(2 * 86400)
	funnel.Inc(models.MetricArticleViews)
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	funnel.mu.Lock()
	held := len(funnel.days)
	funnel.mu.Unlock()
	if held != 1 {
		t.Errorf("days held = %d, want 1: days two days old are let go", held)
	}
}

// TestCampaignStartsAreCappedPerDay: visitors can make up any campaign, so
// past models.CampaignStartsPerDay pairs a day, and for values too long to
// name, starts are counted as "other"; a pair already counted by name
// stays counted by name after a flush, and the next day starts afresh.
func TestCampaignStartsAreCappedPerDay(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	funnel := NewFunnelCounter(store, nil)
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC).Unix())
	funnel.now = func() time.Time { return time.Unix(clock.Load(), 0) }

	funnel.IncCampaignStart("linkedin", "spring")
	for i := range models.CampaignStartsPerDay + 50 {
		funnel.IncCampaignStart("flood", fmt.Sprintf("c%d", i))
	}
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	funnel.IncCampaignStart("linkedin", "spring")           // counted by name before the cap was reached
	funnel.IncCampaignStart("new", "after the cap")         // a new pair: other
	funnel.IncCampaignStart(strings.Repeat("x", 101), "ok") // too long to name: other
	clock.Add(86400)
	funnel.IncCampaignStart("new", "after the cap") // the next day: by name
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	day1, err := store.DailyTotals(t.Context(), "2026-03-14", "2026-03-14")
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for m := range day1 {
		if strings.HasPrefix(m, "starts_by_campaign:") {
			named++
		}
	}
	// linkedin/spring and the first 199 flood campaigns by name; the other
	// 51 flood campaigns, the late pair and the long value as other.
	if named != 200 || day1["starts_by_campaign:linkedin\x1fspring"] != 2 || day1[models.CampaignStartsOtherMetric] != 53 {
		t.Errorf("day 1: %d named, linkedin/spring %d, other %d; want 200, 2, 53",
			named, day1["starts_by_campaign:linkedin\x1fspring"], day1[models.CampaignStartsOtherMetric])
	}
	day2, err := store.DailyTotals(t.Context(), "2026-03-15", "2026-03-15")
	if err != nil {
		t.Fatal(err)
	}
	if day2["starts_by_campaign:new\x1fafter the cap"] != 1 || day2[models.CampaignStartsOtherMetric] != 0 {
		t.Errorf("day 2: %v", day2)
	}
}
