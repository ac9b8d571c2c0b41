package diagnostic

import "slices"

// The score levels a score is drawn in, wherever it is drawn: the result
// page's chart and the emails colour a bar by its level. The content file
// sets the score at which each level begins.
const (
	LevelHigh = "high"
	LevelMid  = "mid"
	LevelLow  = "low"
)

// levelIDs are the levels the views know how to colour.
var levelIDs = []string{LevelHigh, LevelMid, LevelLow}

// ScoreLevel is a level for every score from Min up to the next level's Min.
type ScoreLevel struct {
	ID  string `json:"id"`
	Min int    `json:"min"`
}

// LevelFor returns the id of the level a score is drawn in: the highest
// level whose Min it reaches, clamped to 0..100 like BandFor.
func (d *Definition) LevelFor(score int) string {
	score = min(max(score, minIndex), maxIndex)
	for _, l := range d.ScoreLevels {
		if score >= l.Min {
			return l.ID
		}
	}
	return ""
}

func (d *Definition) validateScoreLevels(p *problems) {
	if len(d.ScoreLevels) == 0 {
		p.addf("no score_levels")
		return
	}
	seen := map[string]bool{}
	for i, l := range d.ScoreLevels {
		name := label("score level", l.ID, i)
		p.checkID(seen, name, l.ID)
		if l.ID != "" && !slices.Contains(levelIDs, l.ID) {
			p.addf("%s: unknown level, want one of %q", name, levelIDs)
		}
		if l.Min < minIndex || l.Min > maxIndex {
			p.addf("%s: min %d goes outside %d..%d", name, l.Min, minIndex, maxIndex)
		}
		if i > 0 && l.Min >= d.ScoreLevels[i-1].Min {
			p.addf("score_levels: not listed highest first (%s begins at %d, %s at %d)",
				label("score level", d.ScoreLevels[i-1].ID, i-1), d.ScoreLevels[i-1].Min, name, l.Min)
		}
	}
	// Every score must have a level, so the lowest must begin at 0.
	if last := d.ScoreLevels[len(d.ScoreLevels)-1]; last.Min > minIndex {
		p.addf("%s: begins at %d, leaving %s without a level; the lowest level must begin at %d",
			label("score level", last.ID, len(d.ScoreLevels)-1), last.Min, span(minIndex, last.Min-1), minIndex)
	}
}
