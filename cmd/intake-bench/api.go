package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

func init() { register(65, "api", benchAPI) }

// benchAPI times the JSON API on the seeded leads with an admin's token:
// ten typical pages of GET /api/v1/leads (the inbox's views, and a second
// page by cursor), and GET /api/v1/contacts of every contact as JSON Lines
// and as CSV, each against psql's \copy of the same rows.
func benchAPI(ctx context.Context, e *env) ([]row, error) {
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	psql, err := e.need(ctx, "psql", "postgresql-client")
	if err != nil {
		return nil, err
	}
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return nil, err
	}
	store, err := models.Open(ctx, d.url, e.work, models.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	admin, err := store.UserByEmail(ctx, d.users["admin"])
	if err == nil && admin.Role != models.RoleAdmin {
		err = fmt.Errorf("%s is not an admin", admin.Email)
	}
	var token string
	if err == nil {
		_, token, err = store.CreateAPIToken(ctx, admin.ID, "bench", models.Scopes, 0)
	}
	store.Close()
	if err != nil {
		return nil, err
	}

	p, _, err := e.startPortal(ctx, d.url, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	client := &http.Client{}
	get := func(path, accept string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := client.Do(req)
		if err == nil && res.StatusCode != http.StatusOK {
			res.Body.Close()
			return nil, fmt.Errorf("GET %s: HTTP %d", path, res.StatusCode)
		}
		return res, err
	}
	list := func(q url.Values) (next string, took time.Duration, err error) {
		start := time.Now()
		res, err := get("/api/v1/leads?"+q.Encode(), "")
		if err != nil {
			return "", 0, err
		}
		var page struct {
			Next *string `json:"next"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if page.Next != nil {
			next = *page.Next
		}
		return next, time.Since(start), err
	}

	var narrow string
	sqlDB, err := models.Open(ctx, d.url, e.work, models.Options{MaxOpenConns: 1})
	if err != nil {
		return nil, err
	}
	err = sqlDB.SQLDB().QueryRowContext(ctx, "SELECT split_part(email, '@', 1) FROM leads ORDER BY id OFFSET $1 LIMIT 1", d.leads/2).Scan(&narrow)
	sqlDB.Close()
	if err != nil {
		return nil, err
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	now := time.Now().UTC()
	queries := []struct {
		name  string
		query url.Values
	}{
		{"default", url.Values{}},
		{"search broad", url.Values{"q": {"son"}}},
		{"search narrow", url.Values{"q": {narrow}}},
		{"status", url.Values{"status": {"won"}}},
		{"band", url.Values{"band": {"emerging"}}},
		{"dates", url.Values{"from": {day(now.AddDate(0, 0, -90))}, "to": {day(now.AddDate(0, 0, -60))}}},
		{"campaign", url.Values{"campaign": {"manager-diagnostic"}}},
		{"marketing", url.Values{"consent": {"marketing"}}},
		{"page 2", url.Values{}}, // the cursor is added below
		{"combined", url.Values{"status": {"new"}, "band": {"leading"}, "campaign": {"q1-leaders"}, "consent": {"marketing"}, "limit": {"100"}}},
	}
	next, _, err := list(url.Values{})
	if err != nil {
		return nil, err
	}
	if next == "" {
		return nil, fmt.Errorf("the first page of leads has no next cursor")
	}
	queries[8].query.Set("cursor", next)

	// 21 rounds of ten pages and ten downloads stay well inside the token's
	// API_RATE_LIMIT of 600 a minute, left at its default.
	reps := 20
	if e.smoke {
		reps = 2
	}
	var all []time.Duration
	for r := -1; r < reps; r++ { // one round to warm up first
		for _, q := range queries {
			_, took, err := list(q.query)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			if r >= 0 {
				all = append(all, took)
			}
		}
	}
	rows := []row{{
		Job:    fmt.Sprintf("GET /api/v1/leads at %s leads: ten views, token", thousands(float64(d.leads))),
		Portal: fmt.Sprintf("p95 %.1f ms, median %.1f ms", p95(all), pct(all, 50)),
		Target: "p95 < 50 ms", Pass: under(p95(all), 50),
	}}

	// Contacts: every one, as an admin asks, beside psql's \copy.
	query := referenceExportSQL(def)
	var refRows int64
	reference := func() (float64, error) {
		start := time.Now()
		n, err := psqlCopyRows(ctx, psql, d.url, query)
		refRows = n
		return float64(n) / time.Since(start).Seconds(), err
	}
	for _, f := range []struct{ name, accept string }{{"JSON Lines", ""}, {"CSV", "text/csv"}} {
		var apiRows int64
		portal := func() (float64, error) {
			start := time.Now()
			res, err := get("/api/v1/contacts?contacts=all", f.accept)
			if err != nil {
				return 0, err
			}
			lines, _, err := countLines(res.Body)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			apiRows = lines
			if f.accept == "text/csv" {
				apiRows-- // the header
			}
			return float64(apiRows) / time.Since(start).Seconds(), err
		}
		c, err := alternate(ctx, e.rounds, portal, reference)
		if err != nil {
			return nil, err
		}
		if apiRows != refRows {
			return nil, fmt.Errorf("the API sent %d contacts as %s, psql %d", apiRows, f.name, refRows)
		}
		rows = append(rows, row{
			Job:   fmt.Sprintf("GET /api/v1/contacts, %s contacts as %s (admin token, all)", thousands(float64(apiRows)), f.name),
			Limit: `psql \copy (SELECT …) TO STDOUT CSV`, Portal: thousands(c.portal) + " rows/s", Reference: thousands(c.reference) + " rows/s",
			Ratio: c.String(), Target: "≥ 0.7×", Pass: c.atLeast(0.7),
		})
	}
	return measuredWith(loadTest, rows), nil
}
