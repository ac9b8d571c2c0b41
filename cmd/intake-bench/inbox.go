package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stellapop/intake/models"
)

func init() { register(60, "inbox", benchInbox) }

// inboxQuery is one view of the inbox: its query string, and the same as
// a store filter for EXPLAIN.
type inboxQuery struct {
	name   string
	query  url.Values
	filter models.InboxFilter
}

var nextLink = regexp.MustCompile(`href="(/admin/leads\?[^"]*after=[^"]*)"`)

// benchInbox times ten typical inbox pages over HTTP, signed in as a
// consultant, on the seeded leads, and reports the 95th percentile of all
// of them and the slowest page. Every page's queries are run once under
// EXPLAIN (ANALYZE) and the indexes they used are logged.
func benchInbox(ctx context.Context, e *env) ([]row, error) {
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	store, err := models.Open(ctx, d.url, e.work, models.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	// A broad search (a common run of letters) and a narrow one (someone's
	// address), both from the seeded leads.
	var narrow string
	if err := store.SQLDB().QueryRowContext(ctx, "SELECT split_part(email, '@', 1) FROM leads ORDER BY id OFFSET $1 LIMIT 1", d.leads/2).Scan(&narrow); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	from, to := now.AddDate(0, 0, -90), now.AddDate(0, 0, -60)
	queries := []inboxQuery{
		{"default", url.Values{}, models.InboxFilter{}},
		{"search broad", url.Values{"q": {"son"}}, models.InboxFilter{Search: "son"}},
		{"search narrow", url.Values{"q": {narrow}}, models.InboxFilter{Search: narrow}},
		{"status", url.Values{"status": {"won"}}, models.InboxFilter{Status: "won"}},
		{"band", url.Values{"band": {"emerging"}}, models.InboxFilter{Band: "emerging"}},
		{"dates", url.Values{"from": {day(from)}, "to": {day(to)}}, models.InboxFilter{CreatedFrom: from.Truncate(24 * time.Hour), CreatedBefore: to.Truncate(24*time.Hour).AddDate(0, 0, 1)}},
		{"campaign", url.Values{"campaign": {"manager-diagnostic"}}, models.InboxFilter{Campaign: "manager-diagnostic"}},
		{"marketing", url.Values{"consent": {"marketing"}}, models.InboxFilter{MarketingOnly: true}},
		{"by index, page 2", url.Values{"sort": {"index_high"}}, models.InboxFilter{Sort: models.InboxIndexHigh}}, // the cursor is added below
		{"combined", url.Values{"status": {"new"}, "band": {"leading"}, "campaign": {"q1-leaders"}, "consent": {"marketing"}, "sort": {"index_high"}},
			models.InboxFilter{Status: "new", Band: "leading", Campaign: "q1-leaders", MarketingOnly: true, Sort: models.InboxIndexHigh}},
	}

	p, _, err := e.startPortal(ctx, d.url, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	client, err := d.signIn(p, "consultant")
	if err != nil {
		return nil, err
	}
	get := func(q url.Values) (string, time.Duration, error) {
		start := time.Now()
		res, err := client.Get(p.base + "/admin/leads?" + q.Encode())
		if err != nil {
			return "", 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /admin/leads?%s: HTTP %d", q.Encode(), res.StatusCode)
		}
		return string(body), took, err
	}
	// The second page of the index sort follows the first page's link.
	first, _, err := get(queries[8].query)
	if err != nil {
		return nil, err
	}
	m := nextLink.FindStringSubmatch(first)
	if m == nil {
		return nil, fmt.Errorf("no next page link on the first page of %s", queries[8].name)
	}
	next, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return nil, err
	}
	queries[8].query = next.Query()
	c, err := models.ParseInboxCursor(next.Query().Get("after"))
	if err != nil {
		return nil, err
	}
	queries[8].filter.After = &c

	for _, q := range queries {
		plan, err := store.ExplainInbox(ctx, q.filter)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		e.log.Printf("inbox %-16s list: %s | %s", q.name, strings.Join(models.Indexes(plan.List), ", "), lastLine(plan.List))
		e.log.Printf("inbox %-16s count: %s | %s", q.name, strings.Join(models.Indexes(plan.Count), ", "), lastLine(plan.Count))
	}

	reps := 20
	if e.smoke {
		reps = 2
	}
	per := make([][]time.Duration, len(queries))
	var all []time.Duration
	for r := -1; r < reps; r++ { // one round to warm up first
		for i, q := range queries {
			_, took, err := get(q.query)
			if err != nil {
				return nil, err
			}
			if r >= 0 {
				per[i] = append(per[i], took)
				all = append(all, took)
			}
		}
	}
	slowest := 0
	for i, q := range queries {
		e.log.Printf("inbox %-16s p95 %6.1f ms, median %6.1f ms", q.name, p95(per[i]), pct(per[i], 50))
		if p95(per[i]) > p95(per[slowest]) {
			slowest = i
		}
	}
	total := p95(all)

	// The dashboard a consultant lands on, over the same leads.
	var dash []time.Duration
	for r := -1; r < reps; r++ {
		start := time.Now()
		res, err := client.Get(p.base + "/admin")
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /admin: HTTP %d", res.StatusCode)
		}
		if err != nil {
			return nil, err
		}
		if r >= 0 {
			dash = append(dash, time.Since(start))
		}
	}
	return measuredWith(loadTest, []row{{
		Job:    fmt.Sprintf("inbox at %s leads: ten pages over HTTP, signed in", thousands(float64(d.leads))),
		Portal: fmt.Sprintf("p95 %.1f ms; slowest %s (p95 %.1f ms)", total, queries[slowest].name, p95(per[slowest])),
		Target: "p95 < 50 ms", Pass: under(total, 50),
	}, {
		Job:    fmt.Sprintf("dashboard at %s leads over HTTP, signed in", thousands(float64(d.leads))),
		Portal: fmt.Sprintf("p95 %.1f ms, median %.1f ms", p95(dash), pct(dash, 50)),
		Target: "p95 < 50 ms", Pass: under(p95(dash), 50),
	}}), nil
}

func lastLine(plan []string) string {
	if len(plan) == 0 {
		return ""
	}
	return strings.TrimSpace(plan[len(plan)-1])
}

// p95 is the 95th percentile of ds in milliseconds (nearest rank).
func p95(ds []time.Duration) float64 { return pct(ds, 95) }

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return float64(s[max(i, 0)]) / float64(time.Millisecond)
}
