package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// The reports' queries over the summary tables (stats.go). Each sums over
// the slots and reads only the rows of the days asked for, so a report
// costs the summary rows of its range, not the leads behind them.

// stagesFrom lists the pipeline stages at or past stage, as SQL literals:
// a lead "reached qualified" if its furthest stage is among them.
func stagesFrom(stage string) string {
	var out []string
	for _, s := range pipelineStages[max(stageRank(stage), 0):] {
		out = append(out, "'"+s+"'")
	}
	return "(" + strings.Join(out, ", ") + ")"
}

// CampaignResult is how far the leads of one UTM source and campaign got,
// and how many diagnostics visitors from it started.
type CampaignResult struct {
	Source, Campaign string
	Starts           int64 // diagnostic page views from the campaign's links, any version
	Leads            int64
	Qualified        int64 // leads that reached qualified or further
	Proposals        int64 // leads that reached proposal or further
	Won              int64 // leads that reached won
	// Other is the row of starts from campaigns past the daily cap on
	// how many each instance counts by name (CampaignStartsPerDay).
	Other bool
}

// CampaignResults sums, per UTM source and campaign, the leads created
// from first to last (YYYY-MM-DD, inclusive) of version ("" for every
// version) and how far they got, with the diagnostic starts counted from
// each campaign's links in those days. Starts past the daily cap are
// one last row, Other. Sorted by source, then campaign.
func (s *Store) CampaignResults(ctx context.Context, version, first, last string) ([]CampaignResult, error) {
	db := s.db.WithContext(ctx).Table("campaign_stats").
		Select(`utm_source AS source, utm_campaign AS campaign, sum(leads) AS leads,
			sum(qualified) AS qualified, sum(proposals) AS proposals, sum(won) AS won`).
		Where("day >= ? AND day <= ?", first, last)
	if version != "" {
		db = db.Where("diagnostic_version = ?", version)
	}
	var rows []CampaignResult
	if err := db.Group("utm_source, utm_campaign").Having("sum(leads) <> 0").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read campaign results: %w", err)
	}
	starts, other, err := s.campaignStarts(ctx, first, last)
	if err != nil {
		return nil, err
	}
	type key struct{ source, campaign string }
	at := map[key]int{}
	for i, r := range rows {
		at[key{r.Source, r.Campaign}] = i
	}
	for k, n := range starts {
		if i, ok := at[key{k[0], k[1]}]; ok {
			rows[i].Starts = n
			continue
		}
		rows = append(rows, CampaignResult{Source: k[0], Campaign: k[1], Starts: n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Source != rows[j].Source {
			return rows[i].Source < rows[j].Source
		}
		return rows[i].Campaign < rows[j].Campaign
	})
	if other > 0 {
		rows = append(rows, CampaignResult{Starts: other, Other: true})
	}
	return rows, nil
}

// campaignStarts sums the starts counted per source and campaign from
// first to last, and those past the cap.
func (s *Store) campaignStarts(ctx context.Context, first, last string) (map[[2]string]int64, int64, error) {
	var rows []struct {
		Metric string
		Total  int64
	}
	err := s.db.WithContext(ctx).Model(&DailyCount{}).Select("metric, sum(count) AS total").
		Where("day >= ? AND day <= ? AND (substr(metric, 1, ?) = ? OR metric = ?)",
			first, last, len(campaignStartsPrefix), campaignStartsPrefix, CampaignStartsOtherMetric).
		Group("metric").Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("sum campaign starts: %w", err)
	}
	out := map[[2]string]int64{}
	var other int64
	for _, r := range rows {
		if r.Metric == CampaignStartsOtherMetric {
			other += r.Total
			continue
		}
		source, campaign, _ := strings.Cut(strings.TrimPrefix(r.Metric, campaignStartsPrefix), campaignSeparator)
		if r.Total != 0 {
			out[[2]string{source, campaign}] += r.Total
		}
	}
	return out, other, nil
}

// BandOutcome is how many leads of one band stand at one status.
type BandOutcome struct {
	Band   string
	Status string
	Leads  int64
}

// BandOutcomes counts the leads created from first to last of version by
// band and current status.
func (s *Store) BandOutcomes(ctx context.Context, version, first, last string) ([]BandOutcome, error) {
	var out []BandOutcome
	err := s.db.WithContext(ctx).Table("band_stats").
		Select("band, status, sum(leads) AS leads").
		Where("diagnostic_version = ? AND day >= ? AND day <= ?", version, first, last).
		Group("band, status").Having("sum(leads) <> 0").
		Order("band, status").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read band outcomes: %w", err)
	}
	return out, nil
}

// ScoreOutcome is how many leads of a version scored Score on Dimension
// ("" is the overall index) and stand at Status, over every team size.
type ScoreOutcome struct {
	Dimension string
	Score     int
	Status    string
	Leads     int64
}

// ScoreOutcomes counts every lead of version by score on each dimension
// and current status. Scores are summarised per version, not per day, so
// this covers every date.
func (s *Store) ScoreOutcomes(ctx context.Context, version string) ([]ScoreOutcome, error) {
	var out []ScoreOutcome
	err := s.db.WithContext(ctx).Table("score_stats").
		Select("dimension, score, status, sum(leads) AS leads").
		Where("diagnostic_version = ?", version).
		Group("dimension, score, status").Having("sum(leads) <> 0").
		Order("dimension, score, status").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read score outcomes: %w", err)
	}
	return out, nil
}

// StatsVersions lists the diagnostic versions any lead was saved with,
// newest name last; the score summary holds a few thousand rows a
// version, so this never reads the leads.
func (s *Store) StatsVersions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Table("score_stats").Distinct("diagnostic_version").
		Where("leads <> 0").Order("diagnostic_version").Pluck("diagnostic_version", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list diagnostic versions: %w", err)
	}
	return out, nil
}

// StatsSize is what the summary tables hold: how many leads they count
// and how many rows each has.
type StatsSize struct {
	Leads                                         int64
	CampaignRows, BandRows, ScoreRows, AnswerRows int64
	WonDays                                       int64 // days with a leads_won count
}

// SummarySize reports what the summary tables hold, for `intake stats`.
func (s *Store) SummarySize(ctx context.Context) (StatsSize, error) {
	var z StatsSize
	db := s.db.WithContext(ctx)
	for _, q := range []struct {
		sql  string
		args []any
		into *int64
	}{
		{"SELECT coalesce(sum(leads), 0) FROM band_stats", nil, &z.Leads},
		{"SELECT count(*) FROM campaign_stats", nil, &z.CampaignRows},
		{"SELECT count(*) FROM band_stats", nil, &z.BandRows},
		{"SELECT count(*) FROM score_stats", nil, &z.ScoreRows},
		{"SELECT count(*) FROM answer_stats", nil, &z.AnswerRows},
		{"SELECT count(*) FROM daily_counts WHERE metric = ?", []any{MetricLeadsWon}, &z.WonDays},
	} {
		if err := db.Raw(q.sql, q.args...).Scan(q.into).Error; err != nil {
			return z, fmt.Errorf("measure the summary tables: %w", err)
		}
	}
	return z, nil
}
