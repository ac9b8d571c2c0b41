package peer

import (
	"context"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// countingStore answers every version with 100 results scoring 0 … 99
// and counts how often it was asked.
type countingStore struct{ reads int }

func (s *countingStore) ScoreCounts(context.Context, string) ([]models.ScoreCount, error) {
	s.reads++
	var rows []models.ScoreCount
	for score := range 100 {
		rows = append(rows, models.ScoreCount{Score: score, Leads: 1})
	}
	return rows, nil
}

// A version's summary serves later views for a minute, but never a lead
// saved too recently for that summary to be sure to count it.
func TestSummaryIsReadAgainOnlyWhenItMightMissTheLead(t *testing.T) {
	store := &countingStore{}
	c := New(store, 50)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	old := &models.Lead{DiagnosticVersion: "v1", OverallIndex: 50, CreatedAt: now.Add(-time.Hour)}
	fresh := &models.Lead{DiagnosticVersion: "v1", OverallIndex: 50, CreatedAt: now.Add(-time.Second)}
	view := func(l *models.Lead, counted bool) {
		t.Helper()
		b, err := c.Compare(t.Context(), l, diagnostic.Result{}, counted)
		if err != nil || b == nil || b.Overall != 50 {
			t.Fatalf("benchmark = %+v, %v; want 50%%", b, err)
		}
	}
	steps := []struct {
		name    string
		lead    *models.Lead
		counted bool
		after   time.Duration
		reads   int
	}{
		{"first view", old, true, 0, 1},
		{"again", old, true, 30 * time.Second, 1},
		{"a lead saved a second ago", fresh, true, 0, 2},
		{"held, not counted", fresh, false, 0, 2},
		{"a minute later", old, true, time.Minute, 3},
	}
	for _, s := range steps {
		now = now.Add(s.after)
		view(s.lead, s.counted)
		if store.reads != s.reads {
			t.Errorf("%s: %d reads of the summary, want %d", s.name, store.reads, s.reads)
		}
	}
}
