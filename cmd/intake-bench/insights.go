package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

func init() { register(61, "insights", benchInsights) }

// insightReports are the report pages timed, as marketing opens them: the
// default range (the last 90 days) and version.
var insightReports = []struct{ name, path string }{
	{"campaign results", "/admin/insights/campaigns"},
	{"answer patterns", "/admin/insights/answers"},
	{"does the score predict business", "/admin/insights/outcomes"},
}

// benchInsights times each insight report over HTTP on the seeded leads,
// signed in as marketing, and measures what keeping the summary tables up
// costs a submission.
func benchInsights(ctx context.Context, e *env) ([]row, error) {
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	p, _, err := e.startPortal(ctx, d.url, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	client, err := d.signIn(p, "marketing")
	if err != nil {
		return nil, err
	}
	reps := 20
	if e.smoke {
		reps = 2
	}
	var rows []row
	for _, r := range insightReports {
		var took []time.Duration
		for i := -1; i < reps; i++ { // one to warm up first
			start := time.Now()
			res, err := client.Get(p.base + r.path)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err == nil && res.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET %s: HTTP %d", r.path, res.StatusCode)
			}
			if err != nil {
				return nil, err
			}
			if i >= 0 {
				took = append(took, time.Since(start))
			}
		}
		rows = append(rows, row{
			Job:    fmt.Sprintf("report “%s” at %s leads over HTTP, last 90 days, signed in", r.name, thousands(float64(d.leads))),
			Portal: fmt.Sprintf("p95 %.1f ms, median %.1f ms", p95(took), pct(took, 50)),
			Target: "p95 < 50 ms", Pass: under(p95(took), 50),
		})
	}
	rows = measuredWith(loadTest, rows)
	upkeep, err := benchSummaryUpkeep(ctx, e)
	if err != nil {
		return nil, err
	}
	return append(rows, upkeep), nil
}

// benchSummaryUpkeep measures what keeping the summary tables up costs a
// submission: SaveLead on PostgreSQL with and without the parts of its
// statement that add the lead to the summaries
// (models.Options.WithoutSummaryUpkeep), one after the other in many
// alternating rounds on one database, gives the upkeep's time; a portal on
// the same database times whole submissions (POST /diagnostic, one visitor
// at a time), the time the target is a share of. The share of SaveLead
// alone is shown too.
func benchSummaryUpkeep(ctx context.Context, e *env) (row, error) {
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return row{}, err
	}
	dbURL, err := e.newDatabase(ctx, "upkeep")
	if err != nil {
		return row{}, err
	}
	submissions := 200
	if e.smoke {
		submissions = 20
	}
	p, _, err := e.startPortal(ctx, dbURL, loadTest)
	if err != nil {
		return row{}, err
	}
	var posts []float64
	for i := range submissions + 5 { // five to warm up
		_, took, err := timedSubmission(p.base)
		if err != nil {
			p.stop()
			return row{}, err
		}
		if i >= 5 {
			posts = append(posts, float64(took.Microseconds()))
		}
	}
	p.stop()
	submission := median(posts)

	var stores [2]*models.Store
	for i, bare := range []bool{false, true} {
		s, err := models.Open(ctx, dbURL, e.work, models.Options{MaxOpenConns: 2, WithoutSummaryUpkeep: bare})
		if err != nil {
			return row{}, err
		}
		defer s.Close()
		stores[i] = s
	}
	perRound, rounds := 200, max(e.rounds*4, 20)
	if e.smoke {
		perRound, rounds = 20, 4
	}
	made := 0
	saves := func(store *models.Store) func() (float64, error) {
		return func() (float64, error) {
			start := time.Now()
			for range perRound {
				made++
				if err := store.SaveLead(ctx, upkeepLead(def, made)); err != nil {
					return 0, err
				}
			}
			return float64(time.Since(start).Microseconds()) / float64(perRound), nil
		}
	}
	// Warm up both statements, connections and caches.
	if _, err := alternate(ctx, 2, saves(stores[0]), saves(stores[1])); err != nil {
		return row{}, err
	}
	c, err := alternate(ctx, rounds, saves(stores[0]), saves(stores[1]))
	if err != nil {
		return row{}, err
	}
	// A difference, not a ratio: each side's median.
	with, without := c.portal, c.reference
	upkeep := with - without
	share, ofSave := 0.0, 0.0
	if submission > 0 && with > 0 {
		share, ofSave = upkeep/submission, upkeep/with
	}
	return row{
		Job:       "summary upkeep on a submission: SaveLead on PostgreSQL with and without the summary parts of its statement",
		Settings:  fmt.Sprintf("models directly, one client, %d alternating rounds of %d saves; load test for the submissions", rounds, perRound),
		Limit:     fmt.Sprintf("a whole submission: POST /diagnostic, one visitor at a time, median of %d", submissions),
		Portal:    fmt.Sprintf("upkeep %.0f µs (SaveLead %.0f µs with, %.0f µs without: %.1f%% of it)", upkeep, with, without, ofSave*100),
		Reference: fmt.Sprintf("%.0f µs a submission", submission),
		Ratio:     fmt.Sprintf("upkeep %.1f%% of the submission", share*100),
		Target:    "upkeep ≤ 10% of the submission",
		Pass:      with > 0 && without > 0 && submission > 0 && share <= 0.10,
	}, nil
}

// upkeepLead is the n-th lead of the upkeep comparison: every question
// answered, scored with the real diagnostic, from one of a few campaigns.
func upkeepLead(def *diagnostic.Definition, n int) *models.Lead {
	answers := map[string]int{}
	var la []models.Answer
	for i, q := range def.Questions {
		o := q.Options[(n+i)%len(q.Options)]
		answers[q.ID] = o.Value
		la = append(la, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension,
			QuestionText: q.Text, Value: o.Value, Label: o.Label, Points: o.Points})
	}
	r, err := def.Score(answers)
	if err != nil {
		panic(err)
	}
	size := 1 + n%40
	l := &models.Lead{Name: "Bench Lead", Email: fmt.Sprintf("bench%d@example.com", n), Company: "Acme", Role: "Lead",
		TeamSize: &size, DiagnosticVersion: def.Version, OverallIndex: r.Index, Band: r.Band.ID, Answers: la,
		Source: models.Source{UTMSource: []string{"", "linkedin", "google"}[n%3], UTMCampaign: []string{"", "spring", "autumn", "q1"}[n%4]}}
	for i, d := range r.Dimensions {
		l.Scores = append(l.Scores, models.Score{Dimension: d.Dimension.ID, Position: i + 1, Score: d.Score})
	}
	now := time.Now().UTC()
	for _, purpose := range []string{"summary", "marketing"} {
		l.Consents = append(l.Consents, models.Consent{Purpose: purpose, Granted: purpose == "summary" || n%3 == 0,
			DecidedAt: now, WordingVersion: "bench", WordingSHA256: "bench", Wording: "Bench consent"})
	}
	return l
}
