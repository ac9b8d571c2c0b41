package peer

import (
	"context"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// countingStore answers every version with 100 results scoring 0 … 99,
// the last of them lead 100, and counts how often it was asked.
type countingStore struct{ reads int }

func (s *countingStore) ScoreCounts(context.Context, string) ([]models.ScoreCount, int64, error) {
	s.reads++
	var rows []models.ScoreCount
	for score := range 100 {
		rows = append(rows, models.ScoreCount{Score: score, Leads: 1})
	}
	return rows, 100, nil
}

// A version's summary serves later views for a minute, but is read again
// for a lead it cannot be sure it counts or not.
func TestSummaryIsReadAgainOnlyWhenItMightMissTheLead(t *testing.T) {
	store := &countingStore{}
	c := New(store, 50)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	old := &models.Lead{ID: 5, DiagnosticVersion: "v1", OverallIndex: 50, CreatedAt: now.Add(-time.Hour)}
	// Saved after the summary was read: surely not in it.
	newer := &models.Lead{ID: 101, DiagnosticVersion: "v1", OverallIndex: 50, CreatedAt: now.Add(time.Second)}
	// Saved a second before: maybe in it, maybe not.
	around := &models.Lead{ID: 99, DiagnosticVersion: "v1", OverallIndex: 50, CreatedAt: now.Add(-time.Second)}
	view := func(l *models.Lead, counted bool) int64 {
		t.Helper()
		b, err := c.Compare(t.Context(), l, diagnostic.Result{}, counted)
		if err != nil || b == nil || b.Overall != 50 {
			t.Fatalf("benchmark = %+v, %v; want 50%%", b, err)
		}
		return b.Others
	}
	steps := []struct {
		name    string
		lead    *models.Lead
		counted bool
		after   time.Duration
		reads   int
		others  int64 // 99 when the lead is one of the 100, else 100
	}{
		{"first view", old, true, 0, 1, 99},
		{"again", old, true, 30 * time.Second, 1, 99},
		{"a lead saved after the read", newer, true, 0, 1, 100},
		{"a lead saved around the read", around, true, 0, 2, 99},
		{"held, not counted", around, false, 0, 2, 100},
		{"a minute later", old, true, time.Minute, 3, 99},
	}
	for _, s := range steps {
		now = now.Add(s.after)
		others := view(s.lead, s.counted)
		if store.reads != s.reads || others != s.others {
			t.Errorf("%s: %d reads of the summary and %d others, want %d and %d", s.name, store.reads, others, s.reads, s.others)
		}
	}
}
