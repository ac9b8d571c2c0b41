package team

import (
	"math"
	"sort"

	"github.com/stellapop/intake/diagnostic"
)

// Report is the team's pooled view beside the inviter's own. It holds
// averages and spreads only: never one colleague's answer.
type Report struct {
	Answers    int
	Index      int
	Band       diagnostic.Band
	Dimensions []DimensionView
	// Differences are the dimensions where the team's average is at least
	// DifferenceAt points from the inviter's score, largest first.
	Differences []DimensionView
}

// DimensionView is one dimension: the inviter's score, the team's average
// and spread (the standard deviation, in points) and how far the team
// agrees, in words.
type DimensionView struct {
	Dimension diagnostic.Dimension
	Own       int
	Average   int
	Spread    int
	Agreement string
	Gap       int // Average - Own
	Apart     int // how far apart, in points: |Gap|
}

// DifferenceAt is how many points between the team's average and the
// inviter's score count as seeing a dimension differently.
const DifferenceAt = 15

// Agreement words for a spread.
const (
	AgreeClosely = "close agreement"
	AgreeSome    = "some agreement"
	AgreeLittle  = "views differ widely"
)

// agreementFor names a spread: within 10 points the team mostly sees the
// same; past 20 it does not.
func agreementFor(spread int) string {
	switch {
	case spread <= 10:
		return AgreeClosely
	case spread <= 20:
		return AgreeSome
	default:
		return AgreeLittle
	}
}

// BuildReport pools the team's scores (one map per answer: dimension id →
// score) beside own, the inviter's.
func BuildReport(def *diagnostic.Definition, own map[string]int, answers []map[string]int) Report {
	r := Report{Answers: len(answers)}
	if len(answers) == 0 {
		return r
	}
	sumIndex := 0.0
	for _, d := range def.Dimensions {
		var sum float64
		for _, a := range answers {
			sum += float64(a[d.ID])
		}
		mean := sum / float64(len(answers))
		var sq float64
		for _, a := range answers {
			sq += (float64(a[d.ID]) - mean) * (float64(a[d.ID]) - mean)
		}
		spread := int(math.Round(math.Sqrt(sq / float64(len(answers)))))
		avg := int(math.Round(mean))
		sumIndex += mean
		r.Dimensions = append(r.Dimensions, DimensionView{
			Dimension: d, Own: own[d.ID], Average: avg, Spread: spread,
			Agreement: agreementFor(spread), Gap: avg - own[d.ID], Apart: abs(avg - own[d.ID]),
		})
	}
	r.Index = int(math.Round(sumIndex / float64(len(def.Dimensions))))
	r.Band = def.BandFor(r.Index)
	for _, d := range r.Dimensions {
		if abs(d.Gap) >= DifferenceAt {
			r.Differences = append(r.Differences, d)
		}
	}
	sort.SliceStable(r.Differences, func(i, j int) bool { return abs(r.Differences[i].Gap) > abs(r.Differences[j].Gap) })
	return r
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
