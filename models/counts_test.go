package models_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestAddDailyCountsAddsUp(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := t.Context()
			first := []models.DailyCount{
				{Day: "2026-03-16", Metric: models.MetricArticleViews, Count: 3},
				{Day: "2026-03-16", Metric: models.MetricDiagnosticStarts, Count: 1},
			}
			// The second flush repeats a pair, which one upsert may not
			// touch twice, and brings a new day.
			second := []models.DailyCount{
				{Day: "2026-03-16", Metric: models.MetricArticleViews, Count: 2},
				{Day: "2026-03-17", Metric: models.MetricArticleViews, Count: 5},
				{Day: "2026-03-16", Metric: models.MetricArticleViews, Count: 1},
				{Day: "2026-03-17", Metric: models.MetricLeads, Count: 0},
			}
			if err := store.AddDailyCounts(ctx, first); err != nil {
				t.Fatal(err)
			}
			if err := store.AddDailyCounts(ctx, second); err != nil {
				t.Fatal(err)
			}
			if err := store.CountEvent(ctx, "2026-03-17", models.MetricLeads, 2); err != nil {
				t.Fatal(err)
			}
			if err := store.AddDailyCounts(ctx, nil); err != nil {
				t.Errorf("nothing to add: %v", err)
			}

			want := map[string]map[string]int64{
				"2026-03-16": {models.MetricArticleViews: 6, models.MetricDiagnosticStarts: 1},
				"2026-03-17": {models.MetricArticleViews: 5, models.MetricLeads: 2},
			}
			for day, metrics := range want {
				got, err := store.DailyTotals(ctx, day, day)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(metrics) {
					t.Errorf("%s: %v, want %v", day, got, metrics)
				}
				for m, n := range metrics {
					if got[m] != n {
						t.Errorf("%s %s = %d, want %d", day, m, got[m], n)
					}
				}
			}
			both, err := store.DailyTotals(ctx, "2026-03-16", "2026-03-17")
			if err != nil {
				t.Fatal(err)
			}
			if both[models.MetricArticleViews] != 11 {
				t.Errorf("views over both days = %d, want 11", both[models.MetricArticleViews])
			}
		})
	}
}

// TestAddDailyCountsTakesMoreThanOneStatementHolds: a year of days with
// a hundred metrics each is more values than one statement may bind on
// either database.
func TestAddDailyCountsTakesMoreThanOneStatementHolds(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			var counts []models.DailyCount
			for d := range 365 {
				day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d).Format(models.DayLayout)
				for m := range 100 {
					counts = append(counts, models.DailyCount{Day: day, Metric: "metric_" + strconv.Itoa(m), Count: 2})
				}
			}
			if err := store.AddDailyCounts(t.Context(), counts); err != nil {
				t.Fatal(err)
			}
			got, err := store.DailyTotals(t.Context(), "2026-01-01", "2026-12-31")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 100 || got["metric_0"] != 730 || got["metric_99"] != 730 {
				t.Errorf("%d metrics, metric_0 %d, metric_99 %d; want 100 metrics of 730", len(got), got["metric_0"], got["metric_99"])
			}
		})
	}
}
