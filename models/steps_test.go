package models_test

import (
	"reflect"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestDiagnosticStepMetric(t *testing.T) {
	if got := models.DiagnosticStepMetric("2026-11-1", 3); got != "diagnostic_step:2026-11-1:3" {
		t.Errorf("metric = %q", got)
	}
}

func TestLoadStepCounts(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			step := models.DiagnosticStepMetric
			err := store.AddDailyCounts(t.Context(), []models.DailyCount{
				{Day: "2026-03-01", Metric: step("v1", 1), Count: 100}, // a day too early
				{Day: "2026-03-02", Metric: models.MetricDiagnosticStarts, Count: 40},
				{Day: "2026-03-02", Metric: step("v1", 1), Count: 30},
				{Day: "2026-03-02", Metric: step("v1", 2), Count: 20},
				{Day: "2026-03-03", Metric: models.MetricDiagnosticStarts, Count: 10},
				{Day: "2026-03-03", Metric: step("v1", 1), Count: 8},
				{Day: "2026-03-03", Metric: step("v1", 2), Count: 5},
				{Day: "2026-03-03", Metric: step("v:2", 1), Count: 3}, // a version with a colon
				{Day: "2026-03-03", Metric: models.MetricDiagnosticsCompleted, Count: 4},
				{Day: "2026-03-03", Metric: models.MetricLeads, Count: 3},
				{Day: "2026-03-03", Metric: models.MetricArticleViews, Count: 99},                    // not a step
				{Day: "2026-03-03", Metric: "diagnosticXstep:v1:1", Count: 77},                       // '_' is no wildcard
				{Day: "2026-03-04", Metric: step("v1", 2), Count: 1000},                              // a day too late
				{Day: "2026-03-03", Metric: models.EmbedStartsMetric("https://a.example"), Count: 5}, // not a step
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.LoadStepCounts(t.Context(), "2026-03-02", "2026-03-03")
			if err != nil {
				t.Fatal(err)
			}
			want := &models.StepCounts{First: "2026-03-02", Last: "2026-03-03", Starts: 50, Completed: 4, Leads: 3,
				Reached: map[string]map[int]int64{"v1": {1: 38, 2: 25}, "v:2": {1: 3}}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("step counts = %+v\nwant %+v", got, want)
			}
			if v := got.Versions(); !reflect.DeepEqual(v, []string{"v1", "v:2"}) {
				t.Errorf("versions = %q", v)
			}

			none, err := store.LoadStepCounts(t.Context(), "2027-01-01", "2027-01-31")
			if err != nil || none.Starts != 0 || len(none.Reached) != 0 {
				t.Errorf("an empty range = %+v, %v", none, err)
			}
		})
	}
}
