package models

import (
	"context"
	"fmt"
)

// The score summary row by row, with its statuses, for the tests that
// hold the kept-up summary against written-out figures and a rebuild; the
// product reads it through ScoreCounts and the insights' queries.

// ScoreStat is how many leads of one diagnostic version, team bracket and
// status scored Score on Dimension ("" is the overall index).
type ScoreStat struct {
	DiagnosticVersion string
	TeamBracket       string
	Dimension         string
	Score             int
	Status            string
	Leads             int64
}

// ScoreStats lists the score summary of one diagnostic version.
func (s *Store) ScoreStats(ctx context.Context, version string) ([]ScoreStat, error) {
	var out []ScoreStat
	err := s.db.WithContext(ctx).Table("score_stats").
		Select("diagnostic_version, team_bracket, dimension, score, status, sum(leads) AS leads").
		Where("diagnostic_version = ?", version).
		Group("diagnostic_version, team_bracket, dimension, score, status").Having("sum(leads) <> 0").
		Order("dimension, team_bracket, score, status").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read score stats: %w", err)
	}
	return out, nil
}
