package insights

import (
	"fmt"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// Outcome is how the leads of one group (a band, or a score range on a
// dimension) have ended so far.
type Outcome struct {
	Label     string
	Leads     int64 // the n behind the rates
	Won, Lost int64
}

// WonRate and LostRate are the group's shares won and lost.
func (o Outcome) WonRate() string  { return Rate(o.Won, o.Leads) }
func (o Outcome) LostRate() string { return Rate(o.Lost, o.Leads) }

// Few reports whether the rates stand on too few leads to mean much.
func (o Outcome) Few() bool { return o.Leads < FewLeads }

// DimensionOutcomes are the outcomes by score range on one dimension.
type DimensionOutcomes struct {
	ID, Name string
	Ranges   []Outcome
}

// ScoreRange is a span of scores the outcomes are grouped by.
type ScoreRange struct{ Min, Max int }

// ScoreRanges are the ranges of def's bands, highest first: the same
// thresholds a lead's overall index is banded by, applied to each
// dimension's score.
func ScoreRanges(def *diagnostic.Definition) []ScoreRange {
	var out []ScoreRange
	for _, b := range def.Bands {
		out = append(out, ScoreRange{Min: b.Min, Max: b.Max})
	}
	return out
}

// BandOutcomes groups the band counts in def's band order, highest first,
// with any band def no longer has after them.
func BandOutcomes(def *diagnostic.Definition, rows []models.BandOutcome) []Outcome {
	by := map[string]*Outcome{}
	var out []*Outcome
	for _, b := range def.Bands {
		o := &Outcome{Label: b.Title}
		by[b.ID] = o
		out = append(out, o)
	}
	for _, r := range rows {
		o := by[r.Band]
		if o == nil {
			o = &Outcome{Label: r.Band + " (retired band)"}
			by[r.Band] = o
			out = append(out, o)
		}
		add(o, r.Status, r.Leads)
	}
	return deref(out)
}

// ScoreOutcomesByDimension groups the score counts per dimension of def,
// in its order, by ScoreRanges.
func ScoreOutcomesByDimension(def *diagnostic.Definition, rows []models.ScoreOutcome) []DimensionOutcomes {
	ranges := ScoreRanges(def)
	var out []DimensionOutcomes
	for _, d := range def.Dimensions {
		do := DimensionOutcomes{ID: d.ID, Name: d.Name}
		for _, r := range ranges {
			do.Ranges = append(do.Ranges, Outcome{Label: fmt.Sprintf("%d–%d", r.Min, r.Max)})
		}
		for _, row := range rows {
			if row.Dimension != d.ID {
				continue
			}
			for i, r := range ranges {
				if row.Score >= r.Min && row.Score <= r.Max {
					add(&do.Ranges[i], row.Status, row.Leads)
					break
				}
			}
		}
		out = append(out, do)
	}
	return out
}

func add(o *Outcome, status string, n int64) {
	o.Leads += n
	switch status {
	case models.StatusWon:
		o.Won += n
	case models.StatusLost:
		o.Lost += n
	}
}

func deref(in []*Outcome) []Outcome {
	out := make([]Outcome, len(in))
	for i, o := range in {
		out[i] = *o
	}
	return out
}

// OutcomeTable is the outcomes report as a spreadsheet: the bands, then
// each dimension's score ranges.
func OutcomeTable(p Params, bands []Outcome, dims []DimensionOutcomes) export.Table {
	t := export.Table{Header: []string{"diagnostic_version", "grouped_by", "group", "leads", "won", "lost", "won_rate", "lost_rate", "too_few_leads", "from", "to"}}
	row := func(by, group string, o Outcome, from, to string) {
		few := "no"
		if o.Few() {
			few = "yes"
		}
		t.Rows = append(t.Rows, []export.Cell{export.Text(p.Version), export.Plain(by), export.Text(group),
			export.Number(o.Leads), export.Number(o.Won), export.Number(o.Lost),
			export.Plain(o.WonRate()), export.Plain(o.LostRate()), export.Plain(few), export.Plain(from), export.Plain(to)})
	}
	for _, b := range bands {
		row("band", b.Label, b, p.From, p.To)
	}
	for _, d := range dims {
		for _, r := range d.Ranges {
			row("score_"+d.ID, r.Label, r, "", "") // scores are summarised over every date
		}
	}
	return t
}
