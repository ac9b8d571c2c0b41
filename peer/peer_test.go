package peer_test

import (
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/peer/peertest"
)

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		lower, others int64
		want          int
	}{
		{50, 100, 50},
		{0, 100, 0},
		{100, 100, 100},
		{149, 199, 74}, // 74.87…: rounded down
		{1, 3, 33},
		{2, 3, 66},
		{199, 200, 99}, // never 100 while one other is not lower
		{0, 0, 0},      // no others, no share
	} {
		if got := peer.Percent(c.lower, c.others); got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.lower, c.others, got, c.want)
		}
	}
}

// compare is the benchmark of lead as the result page shows it, from a
// new Comparer (one that has read nothing yet) needing minLeads others.
func compare(t *testing.T, store *models.Store, lead *models.Lead, counted bool, minLeads int) *peer.Benchmark {
	t.Helper()
	def := diagnostictest.Shipped(t)
	b, err := peer.New(store, minLeads).Compare(t.Context(), lead, def.ResultFrom(lead.ScoreMap()), counted)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The benchmark shows from the hundredth other result of the version, by
// the strictly-lower rule, and within the team's bracket only once that
// bracket alone has a hundred.
func TestBenchmarkNeedsEnoughOthers(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			def := diagnostictest.Shipped(t)
			eight, seven, ten := 8, 7, 10
			visitor := peertest.Seed(t, store, def, &eight, 50)[0]
			peertest.Seed(t, store, def, nil, peertest.Range(0, 99)...) // 0 … 98

			if b := compare(t, store, visitor, true, 100); b != nil {
				t.Fatalf("99 others: want no benchmark, got %+v", b)
			}
			peertest.Seed(t, store, def, nil, 99)
			// 100 others score 0 … 99: 50 of them (0 … 49) lower than 50.
			b := compare(t, store, visitor, true, 100)
			if b == nil {
				t.Fatal("100 others: want a benchmark, got none")
			}
			if b.Overall != 50 || b.Others != 100 || b.Bracket != "" {
				t.Errorf("100 others: got %d%% of %d in bracket %q, want 50%% of 100 in none", b.Overall, b.Others, b.Bracket)
			}
			if len(b.Dimensions) != len(def.Dimensions) {
				t.Fatalf("want every dimension, got %+v", b.Dimensions)
			}
			for i, d := range b.Dimensions {
				if d.Percent != 50 || d.ID != def.Dimensions[i].ID || d.Name != def.Dimensions[i].Name {
					t.Errorf("dimension %d = %+v, want %s at 50%%", i, d, def.Dimensions[i].ID)
				}
			}
			if got, want := b.Sentence(), "Your manager scores higher than 50% of managers rated here."; got != want {
				t.Errorf("sentence = %q, want %q", got, want)
			}
			// Not yet stored (held in quarantine): all 101 are others.
			if held := compare(t, store, visitor, false, 100); held.Others != 101 || held.Overall != 49 {
				t.Errorf("held: got %d%% of %d, want 49%% of 101", held.Overall, held.Others)
			}
			// Off.
			if b := compare(t, store, visitor, true, 0); b != nil {
				t.Errorf("BENCHMARK_MIN_LEADS=0: want none, got %+v", b)
			}

			// 99 teams of 6–10 score 10: not enough alone, so everyone:
			// 50 + 99 of 199 lower.
			peertest.Seed(t, store, def, &seven, repeat(10, 99)...)
			b = compare(t, store, visitor, true, 100)
			if b.Bracket != "" || b.Others != 199 || b.Overall != 74 {
				t.Errorf("99 in the bracket: got %d%% of %d in %q, want 74%% of 199 in none", b.Overall, b.Others, b.Bracket)
			}
			// The hundredth, scoring 90: the bracket alone, 99 of 100 lower.
			peertest.Seed(t, store, def, &ten, 90)
			b = compare(t, store, visitor, true, 100)
			if b.Bracket != "6–10" || b.Others != 100 || b.Overall != 99 || b.Dimensions[0].Percent != 99 {
				t.Errorf("100 in the bracket: got %+v, want 99%% of 100 in 6–10", b)
			}
			if got, want := b.Sentence(), "Your manager scores higher than 99% of managers of teams of 6–10 rated here."; got != want {
				t.Errorf("sentence = %q, want %q", got, want)
			}
			// The summary's read knows the last lead it saw.
			last := peertest.Seed(t, store, def, nil, 1)[0]
			if _, lastLead, err := store.ScoreCounts(t.Context(), def.Version); err != nil || lastLead != last.ID {
				t.Errorf("ScoreCounts saw lead %d as the last (%v), want %d", lastLead, err, last.ID)
			}
			// A visitor who gave no team size is compared with everyone.
			none := *visitor
			none.TeamSize = nil
			if b := compare(t, store, &none, false, 100); b.Bracket != "" || b.Others != 202 {
				t.Errorf("no team size: got %d others in %q, want 202 in none", b.Others, b.Bracket)
			}
		})
	}
}

func repeat(score, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = score
	}
	return s
}
