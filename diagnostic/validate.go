package diagnostic

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Index bounds: dimension scores and the overall index are percentages.
const (
	minIndex = 0
	maxIndex = 100
)

// problems collects every validation failure so an editor can fix the
// content file in one pass instead of one error at a time.
type problems []error

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Errorf(format, args...))
}

// checkID reports an empty or repeated id, and remembers it in seen.
func (p *problems) checkID(seen map[string]bool, name, id string) {
	switch {
	case id == "":
		p.addf("%s: id is empty", name)
	case seen[id]:
		p.addf("%s: duplicate id", name)
	}
	seen[id] = true
}

// label names an item by id, falling back to its position when the id is missing.
func label(kind, id string, i int) string {
	if id == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, id)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// Validate reports every problem in d at once, each naming the item at fault.
func (d *Definition) Validate() error {
	var p problems
	if blank(d.Version) {
		p.addf("version is empty")
	}
	if blank(d.Title) {
		p.addf("title is empty")
	}
	d.validateScales(&p)
	d.validateDimensions(&p)
	d.validateQuestions(&p)
	d.validateBands(&p)
	d.validateScoreLevels(&p)
	return errors.Join(p...)
}

func (d *Definition) validateScales(p *problems) {
	if len(d.Scales) == 0 {
		p.addf("no scales")
	}
	seen := map[string]bool{}
	for i, s := range d.Scales {
		name := label("scale", s.ID, i)
		p.checkID(seen, name, s.ID)
		if len(s.Options) == 0 {
			p.addf("%s: no options", name)
			continue
		}
		values := map[int]bool{}
		best := 0
		for _, o := range s.Options {
			if values[o.Value] {
				p.addf("%s: duplicate option value %d", name, o.Value)
			}
			values[o.Value] = true
			if blank(o.Label) {
				p.addf("%s: option %d has an empty label", name, o.Value)
			}
			if o.Points < 0 {
				p.addf("%s: option %d has negative points %d", name, o.Value, o.Points)
			}
			best = max(best, o.Points)
		}
		// A scale worth nothing would make its dimensions' scores 0/0.
		if best == 0 {
			p.addf("%s: no option earns any points", name)
		}
	}
}

func (d *Definition) validateDimensions(p *problems) {
	if len(d.Dimensions) == 0 {
		p.addf("no dimensions")
	}
	seen := map[string]bool{}
	for i, dim := range d.Dimensions {
		name := label("dimension", dim.ID, i)
		p.checkID(seen, name, dim.ID)
		if blank(dim.Name) {
			p.addf("%s: name is empty", name)
		}
		if blank(dim.Advice.Text) {
			p.addf("%s: advice text is empty", name)
		}
		if blank(dim.Advice.Section) {
			p.addf("%s: advice section is empty", name)
		}
		if blank(dim.Advice.SectionTitle) {
			p.addf("%s: advice section_title is empty", name)
		}
		if len(dim.CallQuestions) == 0 {
			p.addf("%s: no call_questions", name)
		}
		if len(dim.CallQuestions) > maxCallQuestions {
			p.addf("%s: %d call_questions, at most %d fit the consultant brief", name, len(dim.CallQuestions), maxCallQuestions)
		}
		for j, q := range dim.CallQuestions {
			if blank(q) {
				p.addf("%s: call question %d is empty", name, j+1)
			}
		}
	}
}

// maxCallQuestions keeps the consultant brief to one page: it lists the
// call questions of the two weakest dimensions.
const maxCallQuestions = 3

func (d *Definition) validateQuestions(p *problems) {
	if len(d.Questions) == 0 {
		p.addf("no questions")
	}
	seen := map[string]bool{}
	asked := map[string]bool{}
	for i, q := range d.Questions {
		name := label("question", q.ID, i)
		p.checkID(seen, name, q.ID)
		if blank(q.Text) {
			p.addf("%s: text is empty", name)
		}
		switch {
		case q.Dimension == "":
			p.addf("%s: dimension is empty", name)
		case d.dimensionIndex(q.Dimension) < 0:
			p.addf("%s: unknown dimension %q", name, q.Dimension)
		}
		asked[q.Dimension] = true
		s, ok := d.scale(q.Scale)
		switch {
		case q.Scale == "":
			p.addf("%s: scale is empty", name)
		case !ok:
			p.addf("%s: unknown scale %q", name, q.Scale)
		case !slices.Equal(q.Options, s.Options):
			// Scoring reads q.Options, so they must be the scale's, not a stale copy.
			p.addf("%s: options do not match scale %q", name, q.Scale)
		}
	}
	for i, dim := range d.Dimensions {
		if dim.ID != "" && !asked[dim.ID] {
			p.addf("%s: no questions", label("dimension", dim.ID, i))
		}
	}
}

func (d *Definition) validateBands(p *problems) {
	if len(d.Bands) == 0 {
		p.addf("no bands")
		return
	}
	seen := map[string]bool{}
	rangesOK := true
	for i, b := range d.Bands {
		name := label("band", b.ID, i)
		p.checkID(seen, name, b.ID)
		if blank(b.Title) {
			p.addf("%s: title is empty", name)
		}
		if b.Min > b.Max {
			p.addf("%s: min %d is greater than max %d", name, b.Min, b.Max)
			rangesOK = false
		}
		if b.Min < minIndex || b.Max > maxIndex {
			p.addf("%s: range %d..%d goes outside %d..%d", name, b.Min, b.Max, minIndex, maxIndex)
			rangesOK = false
		}
	}
	// Coverage messages for malformed ranges would only repeat the errors above.
	if !rangesOK {
		return
	}
	checkCoverage(d.Bands, p)
	for i := 1; i < len(d.Bands); i++ {
		if d.Bands[i].Min > d.Bands[i-1].Min {
			p.addf("bands: not listed highest first (%s comes before %s)",
				label("band", d.Bands[i-1].ID, i-1), label("band", d.Bands[i].ID, i))
			break
		}
	}
}

// checkCoverage walks the bands from lowest to highest, so every index in
// 0..100 must fall in exactly one band.
func checkCoverage(bands []Band, p *problems) {
	sorted := slices.Clone(bands)
	slices.SortStableFunc(sorted, func(a, b Band) int {
		return cmp.Or(cmp.Compare(a.Min, b.Min), cmp.Compare(a.Max, b.Max))
	})
	next := minIndex // lowest index not yet covered
	var prev Band    // the band reaching highest so far
	for i, b := range sorted {
		switch {
		case i == 0 && b.Min > next:
			p.addf("band %q: gap below it at %s", b.ID, span(next, b.Min-1))
		case b.Min > next:
			p.addf("bands %q and %q: gap at %s", prev.ID, b.ID, span(next, b.Min-1))
		case b.Min < next:
			p.addf("bands %q and %q: overlap at %s", prev.ID, b.ID, span(b.Min, min(next-1, b.Max)))
		}
		if b.Max+1 > next {
			next = b.Max + 1
			prev = b
		}
	}
	if next <= maxIndex {
		p.addf("band %q: gap above it at %s", prev.ID, span(next, maxIndex))
	}
}

func span(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d..%d", lo, hi)
}
