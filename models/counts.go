package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Funnel steps counted per day in daily_counts. A lead being won is not
// counted here: the dashboard derives it from the lead's history, where the
// status change is already recorded.
const (
	MetricArticleViews         = "article_views"
	MetricDiagnosticStarts     = "diagnostic_starts"
	MetricDiagnosticsCompleted = "diagnostics_completed"
	MetricLeads                = "leads"
)

// DayLayout is how daily_counts writes a day: a calendar date in UTC.
const DayLayout = "2006-01-02"

// DailyCount is how many times one funnel step happened on one UTC day.
// It holds no cookie, address or anything else about a person.
type DailyCount struct {
	Day    string `gorm:"primaryKey"`
	Metric string `gorm:"primaryKey"`
	Count  int64
}

// TableName keeps the table name explicit rather than inferred.
func (DailyCount) TableName() string { return "daily_counts" }

// AddDailyCounts adds each count to its day's stored total, creating the row
// the first time, in one transaction of statements of at most
// dailyCountsChunk rows each (the flush of a busy day, or a seed's year of
// campaigns, can exceed what one statement may bind). Adding the same
// counts twice doubles them: callers hand each count over once.
func (s *Store) AddDailyCounts(ctx context.Context, counts []DailyCount) error {
	rows := mergeCounts(counts)
	if len(rows) == 0 {
		return nil
	}
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "day"}, {Name: "metric"}},
		DoUpdates: clause.Assignments(map[string]any{"count": gorm.Expr("daily_counts.count + excluded.count")}),
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(rows); start += dailyCountsChunk {
			chunk := rows[start:min(start+dailyCountsChunk, len(rows))]
			if err := tx.Clauses(upsert).Create(&chunk).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add daily counts: %w", err)
	}
	return nil
}

// dailyCountsChunk keeps an upsert of daily counts (3 values a row) under
// both dialects' limits on bound values: SQLite's 32,766, PostgreSQL's 65,535.
const dailyCountsChunk = 5000

// CountEvent adds n to one metric's total for day (YYYY-MM-DD, UTC), for
// code that records a funnel step where it happens.
func (s *Store) CountEvent(ctx context.Context, day, metric string, n int64) error {
	return s.AddDailyCounts(ctx, []DailyCount{{Day: day, Metric: metric, Count: n}})
}

// DailyTotals sums each metric over the days from first to last, inclusive.
func (s *Store) DailyTotals(ctx context.Context, first, last string) (map[string]int64, error) {
	var rows []struct {
		Metric string
		Total  int64
	}
	err := s.db.WithContext(ctx).Model(&DailyCount{}).
		Select("metric, SUM(count) AS total").
		Where("day >= ? AND day <= ?", first, last).
		Group("metric").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sum daily counts: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Metric] = r.Total
	}
	return out, nil
}

// mergeCounts adds up repeats of a (day, metric) pair, since one upsert may
// not touch a row twice, drops zeros, and sorts the rows so two instances
// flushing at once lock rows in the same order and cannot deadlock.
func mergeCounts(counts []DailyCount) []DailyCount {
	type key struct{ day, metric string }
	sum := map[key]int64{}
	for _, c := range counts {
		sum[key{c.Day, c.Metric}] += c.Count
	}
	rows := make([]DailyCount, 0, len(sum))
	for k, n := range sum {
		if n != 0 {
			rows = append(rows, DailyCount{Day: k.day, Metric: k.metric, Count: n})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Day != rows[j].Day {
			return rows[i].Day < rows[j].Day
		}
		return rows[i].Metric < rows[j].Metric
	})
	return rows
}

// embedStartsPrefix begins the metric that counts the diagnostic's starts
// in another site's frame, one metric per embedding origin.
const embedStartsPrefix = "embed_starts "

// EmbedStartsMetric is the metric counting starts framed by origin ("" for
// a frame that named no allowed origin). The origins come from the
// EMBED_ORIGINS allow-list, so there are only ever a few.
func EmbedStartsMetric(origin string) string {
	return embedStartsPrefix + origin
}

// Diagnostic starts per UTM source and campaign, for the campaign report:
// one metric per pair, "starts_by_campaign:<source>\x1f<campaign>" (the
// separator is a control character, which a cleaned UTM value never holds).
// The values come from links anyone can craft, so only so many are counted
// by name: a value longer than CampaignValueMax characters, or a pair past
// the first CampaignStartsPerDay an instance saw that day, is counted under
// one "other" metric instead.
const (
	campaignStartsPrefix = "starts_by_campaign:"
	campaignSeparator    = "\x1f"
	// CampaignStartsOtherMetric counts the starts not counted by name.
	CampaignStartsOtherMetric = "starts_by_campaign_other"
	// CampaignValueMax is the longest source or campaign counted by name.
	CampaignValueMax = 100
	// CampaignStartsPerDay is how many source and campaign pairs each
	// instance counts starts for by name per day.
	CampaignStartsPerDay = 200
)

// CampaignStartsMetric is the metric counting diagnostic starts from links
// with this utm_source and utm_campaign, or the "other" metric when either
// is too long to count by name.
func CampaignStartsMetric(source, campaign string) string {
	if utf8.RuneCountInString(source) > CampaignValueMax || utf8.RuneCountInString(campaign) > CampaignValueMax ||
		strings.Contains(source+campaign, campaignSeparator) {
		return CampaignStartsOtherMetric
	}
	return campaignStartsPrefix + source + campaignSeparator + campaign
}

// diagnosticStepPrefix begins the metrics counting how many visitors
// reached each step of the diagnostic, one metric per version and step.
const diagnosticStepPrefix = "diagnostic_step:"

// DiagnosticStepMetric is the metric counting visitors who reached step
// (from 1) of the diagnostic's version: "diagnostic_step:<version>:<step>".
// The version is the definition's own, so there are only ever a few.
func DiagnosticStepMetric(version string, step int) string {
	return diagnosticStepPrefix + version + ":" + strconv.Itoa(step)
}
