// Package peer is the visitor's peer benchmark: "Your manager scores
// higher than N% of managers rated here", overall and per dimension,
// worked out from the anonymous score summary (models.ScoreCounts) of the
// same diagnostic version. The result page, the result PDF and the
// summary email all take it from here, so they cannot disagree.
package peer

import (
	"fmt"

	"github.com/stellapop/intake/models"
)

// DefaultMinLeads is how many other results must stand behind a
// benchmark before it is shown, unless BENCHMARK_MIN_LEADS says otherwise.
const DefaultMinLeads = 100

// Percent is the benchmark's one rule: the share of others (the other
// results of the same version, never the visitor's own) that scored
// strictly lower, in whole percent rounded down. A result level with the
// visitor's does not count as lower, so "scores higher than N%" is true
// as written; rounding down never claims more than the data show. With
// no others there is no share: 0.
func Percent(lower, others int64) int {
	if others <= 0 || lower <= 0 {
		return 0
	}
	return int(min(lower, others) * 100 / others)
}

// Benchmark is a result compared with the others of its diagnostic
// version: overall (the leadership index) and per dimension.
type Benchmark struct {
	// Bracket is the team-size bracket compared within (a
	// models.TeamBrackets label), "" when compared with every result.
	Bracket string
	// Others is how many other results stand behind Overall.
	Others     int64
	Overall    int // percent of Others the index scores higher than
	Dimensions []Dimension
}

// Dimension is the benchmark of one dimension's score.
type Dimension struct {
	ID, Name string
	Percent  int
}

// Group names who the result is compared with, to end a sentence:
// "managers rated here", "managers of teams of 6–10 rated here".
func (b *Benchmark) Group() string {
	for _, br := range models.TeamBrackets {
		if br.Label != b.Bracket {
			continue
		}
		if br.Max == 0 {
			return fmt.Sprintf("managers of teams of %d or more rated here", br.Min)
		}
		return "managers of teams of " + br.Label + " rated here"
	}
	return "managers rated here"
}

// Sentence is the benchmark in one sentence, for the index.
func (b *Benchmark) Sentence() string {
	return fmt.Sprintf("Your manager scores higher than %d%% of %s.", b.Overall, b.Group())
}

// Basis says what stands behind the figures, in a sentence.
func (b *Benchmark) Basis() string {
	return fmt.Sprintf("Compared with the anonymous results of %s other %s, on the same version of the diagnostic. A manager with the same score does not count as lower.",
		thousands(b.Others), b.Group())
}

// thousands writes n with commas between thousands: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
