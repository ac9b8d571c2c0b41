package models_test

import (
	"testing"

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
