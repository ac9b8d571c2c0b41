package peer

import (
	"context"
	"sync"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Counter reads a diagnostic version's score summary; *models.Store is one.
type Counter interface {
	ScoreCounts(ctx context.Context, version string) (counts []models.ScoreCount, lastLead int64, err error)
}

// Comparer works out benchmarks from the score summary. It keeps each
// version's summary in memory for up to a minute, so that most views of
// a result cost no query (see counts); it is safe for concurrent use.
type Comparer struct {
	store Counter
	min   int64
	now   func() time.Time
	mu    sync.Mutex
	read  map[string]*counts // by diagnostic version
	// reading lets one view at a time read a version's summary, so that
	// views arriving together when it expires wait for one read instead
	// of each making their own.
	reading sync.Mutex
}

// cacheFor is how long a version's summary read once serves later views.
// Reading it takes 6–10 ms at a million leads on the bench machine (p95),
// several times the rest of the page, while a minute's new results move a
// figure drawn from a hundred or more by little.
const cacheFor = time.Minute

// settle is longer than any lead's transaction takes from its creation
// time to its commit: a summary read later than settle after a lead's
// creation surely counts it.
const settle = time.Minute

// New is a Comparer over store that shows a benchmark only when at least
// minLeads other results stand behind it. A minLeads of 0 turns the
// benchmark off: New returns nil, whose Compare shows nothing.
func New(store Counter, minLeads int) *Comparer {
	if minLeads <= 0 {
		return nil
	}
	return &Comparer{store: store, min: int64(minLeads), now: time.Now, read: map[string]*counts{}}
}

// Compare is lead's benchmark, its result (the lead's stored scores)
// named and ordered as result shows them; nil when too few other results
// stand behind it (or the benchmark is off). counted says whether the
// lead is among the stored results (false for a submission held in
// quarantine), so that its own score is never compared with itself.
func (c *Comparer) Compare(ctx context.Context, lead *models.Lead, result diagnostic.Result, counted bool) (*Benchmark, error) {
	if c == nil {
		return nil, nil
	}
	all, self, err := c.counts(ctx, lead, counted)
	if err != nil {
		return nil, err
	}
	// The team's bracket when it alone has enough others, else everyone.
	bracket := models.TeamBracketOf(lead.TeamSize)
	others := all.of("", bracket).total - self
	if bracket == "" || others < c.min {
		bracket, others = "", all.of("", "").total-self
	}
	if others < c.min {
		return nil, nil
	}
	b := &Benchmark{Bracket: bracket, Others: others,
		Overall: Percent(all.of("", bracket).lower(lead.OverallIndex), others)}
	stored := lead.ScoreMap()
	for _, d := range result.Dimensions {
		score, ok := stored[d.Dimension.ID]
		if !ok {
			continue
		}
		h := all.of(d.Dimension.ID, bracket)
		if n := h.total - self; n >= c.min {
			b.Dimensions = append(b.Dimensions, Dimension{ID: d.Dimension.ID, Name: d.Dimension.Name, Percent: Percent(h.lower(score), n)})
		}
	}
	return b, nil
}

// counts is a version's summary read at one moment: per dimension and
// bracket ("" under every bracket too), how many scored each score.
type counts struct {
	at       time.Time
	lastLead int64                    // the highest lead id the read saw
	hists    map[[2]string]*histogram // by dimension, bracket
}

// histogram counts results per score, 0 to 100.
type histogram struct {
	n     [101]int64
	total int64
}

// lower is how many scored strictly less than score.
func (h *histogram) lower(score int) int64 {
	var sum int64
	for s := 0; s < min(score, len(h.n)); s++ {
		sum += h.n[s]
	}
	return sum
}

var empty histogram

// of is the histogram of a dimension ("" the index) within a bracket
// ("" every result).
func (c *counts) of(dimension, bracket string) *histogram {
	if h, ok := c.hists[[2]string{dimension, bracket}]; ok {
		return h
	}
	return &empty
}

// allBrackets keys the histograms of every bracket together; no
// bracket's label is empty, so it never names one ("" is a lead who
// gave no team size, which counts only under every bracket).
const allBrackets = ""

// counts is the summary of lead's version, and self: 1 if lead is among
// its counts, else 0, so that the lead is never compared with itself. The
// summary read within the last cacheFor serves when it surely says
// whether it counts lead: not if lead is held (not counted) or newer than
// every lead it saw, as a lead is on the first view after submitting;
// surely if lead was saved more than settle before it. Otherwise (a lead
// saved around the read) it is read again, and then counts lead.
func (c *Comparer) counts(ctx context.Context, lead *models.Lead, counted bool) (*counts, int64, error) {
	version := lead.DiagnosticVersion
	if cached, self, ok := c.cached(lead, counted); ok {
		return cached, self, nil
	}
	c.reading.Lock()
	defer c.reading.Unlock()
	// Another view may have read it while this one waited.
	if cached, self, ok := c.cached(lead, counted); ok {
		return cached, self, nil
	}
	now := c.now()
	rows, lastLead, err := c.store.ScoreCounts(ctx, version)
	if err != nil {
		return nil, 0, err
	}
	read := &counts{at: now, lastLead: lastLead, hists: map[[2]string]*histogram{}}
	add := func(dimension, bracket string, score int, n int64) {
		key := [2]string{dimension, bracket}
		h := read.hists[key]
		if h == nil {
			h = &histogram{}
			read.hists[key] = h
		}
		if score >= 0 && score < len(h.n) {
			h.n[score] += n
		}
		h.total += n
	}
	for _, r := range rows {
		add(r.Dimension, allBrackets, r.Score, r.Leads)
		if r.TeamBracket != "" {
			add(r.Dimension, r.TeamBracket, r.Score, r.Leads)
		}
	}
	c.mu.Lock()
	c.read[version] = read
	c.mu.Unlock()
	// Read after lead was: it counts lead, if lead is counted at all.
	if counted {
		return read, 1, nil
	}
	return read, 0, nil
}

// cached is the summary of lead's version read within the last cacheFor,
// and self, if that read surely says whether it counts lead.
func (c *Comparer) cached(lead *models.Lead, counted bool) (*counts, int64, bool) {
	c.mu.Lock()
	read := c.read[lead.DiagnosticVersion]
	c.mu.Unlock()
	if read == nil || c.now().Sub(read.at) >= cacheFor {
		return nil, 0, false
	}
	switch {
	case !counted || lead.ID > read.lastLead:
		return read, 0, true
	case lead.CreatedAt.Before(read.at.Add(-settle)):
		return read, 1, true
	}
	return nil, 0, false
}
