package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// StepCounts is the diagnostic's funnel step by step over the days First
// to Last (YYYY-MM-DD, UTC, inclusive), from daily_counts alone: nothing
// in it ties a count to a person.
type StepCounts struct {
	First, Last string
	// Starts are the diagnostic's page views and Completed the forms sent
	// with every answer; both count every version, with JavaScript or not.
	Starts, Completed, Leads int64
	// Reached holds, per diagnostic version, how many visitors reached
	// each step (from 1), as the diagnostic's script told us.
	Reached map[string]map[int]int64
}

// Versions are the diagnostic versions with steps counted, in order.
func (s *StepCounts) Versions() []string {
	out := make([]string, 0, len(s.Reached))
	for v := range s.Reached {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// LoadStepCounts sums the steps reached, the starts, the completed forms
// and the leads over the days first to last. It reads the days' rows of
// daily_counts by its primary key (day, metric): a few dozen rows a day,
// however many leads there are.
func (s *Store) LoadStepCounts(ctx context.Context, first, last string) (*StepCounts, error) {
	var rows []struct {
		Metric string
		Total  int64
	}
	// '!' escapes the metric's underscore, which LIKE reads as any
	// character; the same ESCAPE works on PostgreSQL and SQLite.
	err := s.db.WithContext(ctx).Model(&DailyCount{}).
		Select("metric, SUM(count) AS total").
		Where("day >= ? AND day <= ?", first, last).
		Where("(metric IN ? OR metric LIKE ? ESCAPE '!')",
			[]string{MetricDiagnosticStarts, MetricDiagnosticsCompleted, MetricLeads},
			strings.ReplaceAll(diagnosticStepPrefix, "_", "!_")+"%").
		Group("metric").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sum step counts: %w", err)
	}
	sc := &StepCounts{First: first, Last: last, Reached: map[string]map[int]int64{}}
	for _, r := range rows {
		switch r.Metric {
		case MetricDiagnosticStarts:
			sc.Starts = r.Total
		case MetricDiagnosticsCompleted:
			sc.Completed = r.Total
		case MetricLeads:
			sc.Leads = r.Total
		default:
			version, step, ok := parseStepMetric(r.Metric)
			if !ok {
				continue
			}
			if sc.Reached[version] == nil {
				sc.Reached[version] = map[int]int64{}
			}
			sc.Reached[version][step] += r.Total
		}
	}
	return sc, nil
}

// parseStepMetric reads a DiagnosticStepMetric back into its version and
// step; the version may hold a colon, the step is after the last.
func parseStepMetric(metric string) (version string, step int, ok bool) {
	rest, ok := strings.CutPrefix(metric, diagnosticStepPrefix)
	i := strings.LastIndexByte(rest, ':')
	if !ok || i <= 0 {
		return "", 0, false
	}
	step, err := strconv.Atoi(rest[i+1:])
	if err != nil || step < 1 {
		return "", 0, false
	}
	return rest[:i], step, true
}
