// Package peertest stores anonymous results for the peer benchmark's
// tests: many leads at once, each scoring the same on every dimension and
// on the index, so a test states each percentile once.
package peertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Seed stores one lead of def's version per score in scores, with the
// team size size (nil: none given), scoring that on every dimension of def
// and on the index; they were saved an hour ago. It returns them as stored.
func Seed(t testing.TB, store *models.Store, def *diagnostic.Definition, size *int, scores ...int) []*models.Lead {
	t.Helper()
	at := time.Now().UTC().Add(-time.Hour)
	batch := make([]models.LeadWithHistory, len(scores))
	leads := make([]*models.Lead, len(scores))
	for i, score := range scores {
		l := &models.Lead{Name: "Peer", Email: fmt.Sprintf("peer-%d@example.com", i), Company: "Peer Ltd", Role: "Lead",
			TeamSize: size, DiagnosticVersion: def.Version, OverallIndex: score, Band: def.Bands[0].ID, CreatedAt: at}
		for p, d := range def.Dimensions {
			l.Scores = append(l.Scores, models.Score{Dimension: d.ID, Position: p + 1, Score: score})
		}
		batch[i], leads[i] = models.LeadWithHistory{Lead: l}, l
	}
	if err := store.InsertLeadsBatch(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	return leads
}

// Range is the scores from up to, but not including, to.
func Range(from, to int) []int {
	var s []int
	for v := from; v < to; v++ {
		s = append(s, v)
	}
	return s
}
