package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
)

// The API's access matrix, written out here rather than read from the
// route table: what a token of each role with each one scope gets from
// each endpoint. ok: let through to the endpoint; no: 403.
const (
	ok = true
	no = false
)

// apiRoles and apiScopes are the columns of wantAPIAccess, in order: for
// each role, its token with each scope.
var (
	apiRoles  = []string{models.RoleAdmin, models.RoleConsultant, models.RoleMarketing}
	apiScopes = []string{models.ScopeLeadsRead, models.ScopeLeadsWrite, models.ScopeContactsRead}
)

var wantAPIAccess = []struct {
	route string
	// admin: leads:read, leads:write, contacts:read; consultant: …; marketing: …
	want [3][3]bool
}{
	// Every role reads the lead list, as every member of staff sees the inbox.
	{"GET /api/v1/leads", [3][3]bool{{ok, no, no}, {ok, no, no}, {ok, no, no}}},
	// A lead, and changing it: admins and consultants, not marketing.
	{"GET /api/v1/leads/:id", [3][3]bool{{ok, no, no}, {ok, no, no}, {no, no, no}}},
	{"PATCH /api/v1/leads/:id", [3][3]bool{{no, ok, no}, {no, ok, no}, {no, no, no}}},
	{"POST /api/v1/leads/:id/notes", [3][3]bool{{no, ok, no}, {no, ok, no}, {no, no, no}}},
	// Contacts: admins and marketing, as the export.
	{"GET /api/v1/contacts", [3][3]bool{{no, no, ok}, {no, no, no}, {no, no, ok}}},
}

// TestAPIAccessMatrix asks every endpoint with a token of every role and
// scope, and with no token, and checks the answers against wantAPIAccess.
func TestAPIAccessMatrix(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, _ := s.saveLead()
		id := strconv.FormatInt(lead.ID, 10)
		inTable := map[string]bool{}
		for _, r := range handlers.RouteTable() {
			if strings.HasPrefix(r.Path, "/api/") && !r.Access.Public {
				inTable[r.Method+" "+r.Path] = true
			}
		}
		if len(inTable) != len(wantAPIAccess) {
			t.Errorf("the route table has %d API endpoints, wantAPIAccess %d rows", len(inTable), len(wantAPIAccess))
		}
		statuses := []string{"contacted", "qualified"}
		for _, row := range wantAPIAccess {
			if !inTable[row.route] {
				t.Errorf("%s is not in the route table", row.route)
			}
			method, route, _ := strings.Cut(row.route, " ")
			path := strings.Replace(route, ":id", id, 1)
			call := func(token string) response {
				c := apiCall{method: method, path: path, token: token}
				switch row.route {
				case "PATCH /api/v1/leads/:id":
					statuses[0], statuses[1] = statuses[1], statuses[0]
					c.body = `{"status":"` + statuses[0] + `"}`
					c.header = []string{"If-Match", `"` + strconv.Itoa(s.lead(lead.ID).Version) + `"`}
				case "POST /api/v1/leads/:id/notes":
					c.body = `{"body":"Called, left a message."}`
				}
				return s.api(c)
			}
			t.Run(row.route+" without a token", func(t *testing.T) {
				r := call("")
				if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("got %d (WWW-Authenticate %q), want 401 with a Bearer challenge", r.status, r.header.Get("WWW-Authenticate"))
				}
			})
			for i, role := range apiRoles {
				u := s.newUser(role)
				for j, scope := range apiScopes {
					want := row.want[i][j]
					t.Run(row.route+" as "+role+" with "+scope, func(t *testing.T) {
						r := call(s.newToken(u, scope))
						got := r.status != http.StatusForbidden && r.status != http.StatusUnauthorized
						if got != want || (want && r.status >= 400) {
							t.Errorf("got %d, want let through: %v\n%s", r.status, want, r.body)
						}
					})
				}
			}
		}
	})
}

// TestAPIRefusesBadTokens: each kind of bad token is a 401 problem with a
// Bearer challenge, counted by reason, and no token reaches the logs.
func TestAPIRefusesBadTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s0 *site) {
		logs := &logBuffer{}
		m := metrics.New(metrics.Config{})
		s := newSiteWith(t, s0.store, func(d *handlers.Deps) {
			d.Metrics = m
			d.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		ctx := t.Context()
		consultant := s.newUser(models.RoleConsultant)
		good := s.newToken(consultant, models.ScopeLeadsRead)
		expired := s.newToken(consultant, models.ScopeLeadsRead)
		if _, err := s.store.SQLDB().ExecContext(ctx, "UPDATE api_tokens SET expires_at = created_at WHERE id = (SELECT max(id) FROM api_tokens)"); err != nil {
			t.Fatal(err)
		}
		revoked := s.newToken(consultant, models.ScopeLeadsRead)
		toks, _ := s.store.APITokens(ctx, consultant.ID)
		if err := s.store.RevokeAPIToken(ctx, toks[0].ID, consultant.ID); err != nil {
			t.Fatal(err)
		}
		unknown := "itk_" + strings.Repeat("x", 43)

		for _, c := range []struct {
			name, authorization, reason string
		}{
			{"missing", "", "missing"},
			{"basic", "Basic dXNlcjpwYXNz", "malformed"},
			{"not ours", "Bearer abc", "malformed"},
			{"unknown", "Bearer " + unknown, "unknown"},
			{"expired", "Bearer " + expired, "expired"},
			{"revoked", "Bearer " + revoked, "revoked"},
		} {
			r := s.api(apiCall{method: "GET", path: "/api/v1/leads", header: []string{"Authorization", c.authorization}})
			challenge := r.header.Get("WWW-Authenticate")
			if r.status != http.StatusUnauthorized || !strings.HasPrefix(challenge, "Bearer ") {
				t.Errorf("%s: %d, WWW-Authenticate %q; want 401 with a Bearer challenge", c.name, r.status, challenge)
			}
			if c.reason != "missing" && !strings.Contains(challenge, `error="invalid_token"`) {
				t.Errorf("%s: WWW-Authenticate %q without invalid_token", c.name, challenge)
			}
		}
		// A session cookie is not a token.
		s.signIn(models.RoleAdmin)
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads"}); r.status != http.StatusUnauthorized {
			t.Errorf("with a session cookie and no token: %d, want 401", r.status)
		}
		// Revoked with its user.
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads", token: good}); r.status != http.StatusOK {
			t.Fatalf("a good token: %d", r.status)
		}
		if err := s.store.SetUserDisabled(ctx, consultant.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads", token: good}); r.status != http.StatusUnauthorized {
			t.Errorf("the token of a disabled user: %d, want 401", r.status)
		}
		// Wrong scope: 403 naming the scope.
		marketing := s.newUser(models.RoleMarketing)
		r := s.api(apiCall{method: "GET", path: "/api/v1/contacts", token: s.newToken(marketing, models.ScopeLeadsRead)})
		if r.status != http.StatusForbidden || !strings.Contains(r.header.Get("WWW-Authenticate"), `scope="contacts:read"`) {
			t.Errorf("wrong scope: %d, %q", r.status, r.header.Get("WWW-Authenticate"))
		}

		body, err := metricstest.Scrape(m.Handler())
		if err != nil {
			t.Fatal(err)
		}
		for reason, n := range map[string]float64{"missing": 2, "malformed": 2, "unknown": 1, "expired": 1, "revoked": 2, "scope": 1, "role": 0} {
			metricstest.Want(t, body, "intake_api_refused_total", n, "reason", reason)
		}
		for _, secret := range []string{good, expired, revoked, unknown, strings.TrimPrefix(good, "itk_")} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a token is in the logs:\n%s", logs.String())
			}
		}
	})
}

// TestAPIRateLimitPerToken: past its requests a minute a token gets 429
// with Retry-After; another token is not held back by it.
func TestAPIRateLimitPerToken(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s0 *site) {
		s := newSiteWith(t, s0.store, func(d *handlers.Deps) { d.APIRateLimit = 3 })
		u := s.newUser(models.RoleConsultant)
		a, b := s.newToken(u, models.ScopeLeadsRead), s.newToken(u, models.ScopeLeadsRead)
		var last response
		for range 4 {
			last = s.api(apiCall{method: "GET", path: "/api/v1/leads", token: a})
		}
		retry, _ := strconv.Atoi(last.header.Get("Retry-After"))
		if last.status != http.StatusTooManyRequests || retry < 1 || retry > 60 {
			t.Errorf("4th request: %d, Retry-After %q; want 429 and 1–60", last.status, last.header.Get("Retry-After"))
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads", token: b}); r.status != http.StatusOK {
			t.Errorf("another token: %d", r.status)
		}
	})
}

// TestAPIListLeads: newest first, the inbox's filters, pages by cursor,
// and every bad parameter refused by name.
func TestAPIListLeads(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		for i := range 5 {
			campaign := "spring"
			if i%2 == 0 {
				campaign = "autumn"
			}
			s.inboxLead("Lead "+strconv.Itoa(i), "Firm "+strconv.Itoa(i), campaign, base.Add(time.Duration(i)*time.Hour))
		}
		token := s.newToken(s.newUser(models.RoleMarketing), models.ScopeLeadsRead)
		list := func(query string) apiLeadListBody {
			t.Helper()
			r := s.api(apiCall{method: "GET", path: "/api/v1/leads" + query, token: token})
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", query, r.status, r.body)
			}
			var out apiLeadListBody
			if err := json.Unmarshal([]byte(r.body), &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		first := list("?limit=2")
		if len(first.Leads) != 2 || first.Leads[0].Name != "Lead 4" || first.Leads[1].Name != "Lead 3" || first.Next == nil {
			t.Fatalf("first page: %+v", first)
		}
		second := list("?limit=2&cursor=" + *first.Next)
		third := list("?limit=2&cursor=" + *second.Next)
		if second.Leads[0].Name != "Lead 2" || len(third.Leads) != 1 || third.Leads[0].Name != "Lead 0" || third.Next != nil {
			t.Errorf("later pages: %+v, %+v", second, third)
		}
		if got := list("?campaign=autumn&q=firm"); len(got.Leads) != 3 {
			t.Errorf("campaign autumn: %d leads, want 3", len(got.Leads))
		}
		if got := list("?q=LEAD%201"); len(got.Leads) != 1 || got.Leads[0].Name != "Lead 1" {
			t.Errorf("search: %+v", got.Leads)
		}

		for _, c := range []struct{ query, names string }{
			{"?limit=10000", "limit"},
			{"?limit=0", "limit"},
			{"?cursor=bm90IGEgY3Vyc29y", "cursor"},
			{"?colour=red", "colour"},
			{"?status=asleep", "status"},
			{"?from=yesterday&band=nope", "band from"},
			{"?q=a&q=b", "q"},
		} {
			r := s.api(apiCall{method: "GET", path: "/api/v1/leads" + c.query, token: token, bad: c.names != "cursor"})
			var p problemBodyT
			_ = json.Unmarshal([]byte(r.body), &p)
			if r.status != http.StatusUnprocessableEntity || p.names() != c.names {
				t.Errorf("%s: %d naming %q, want 422 naming %q: %s", c.query, r.status, p.names(), c.names, r.body)
			}
		}
	})
}

// TestAPILeadAndChanges: a lead reads as on its page (recorded in its
// history); PATCH changes it only at the version read; notes are added.
func TestAPILeadAndChanges(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, _ := s.saveLead()
		path := "/api/v1/leads/" + strconv.FormatInt(lead.ID, 10)
		consultant := s.newUser(models.RoleConsultant)
		read := s.newToken(consultant, models.ScopeLeadsRead)
		write := s.newToken(consultant, models.ScopeLeadsWrite)

		r := s.api(apiCall{method: "GET", path: path, token: read})
		var got struct {
			Version int `json:"version"`
			Contact struct {
				Email string `json:"email"`
			} `json:"contact"`
			Answers []struct {
				Question string `json:"question"`
			} `json:"answers"`
			Result struct {
				Index int `json:"index"`
			} `json:"result"`
			History []struct {
				Kind string `json:"kind"`
			} `json:"history"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET = %d: %v", r.status, err)
		}
		if got.Contact.Email != "ada@example.com" || got.Result.Index != 72 || len(got.Answers) != 2 || got.Answers[0].Question != "As stored: question 1" {
			t.Errorf("the lead: %+v", got)
		}
		if r.header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q, want \"1\"", r.header.Get("ETag"))
		}
		history, _ := s.store.LeadActivity(t.Context(), lead.ID, 10)
		if len(history) == 0 || history[0].Kind != models.ActivityViewed || *history[0].ActorID != consultant.ID {
			t.Errorf("reading was not recorded in the history: %+v", history)
		}

		patch := func(ifMatch, body string, bad bool) response {
			t.Helper()
			var header []string
			if ifMatch != "" {
				header = []string{"If-Match", ifMatch}
			}
			return s.api(apiCall{method: "PATCH", path: path, token: write, body: body, header: header, bad: bad})
		}
		r = patch(`"1"`, `{"status":"contacted","owner_id":`+strconv.FormatInt(consultant.ID, 10)+`,"follow_up_on":"2026-12-24"}`, false)
		now := s.lead(lead.ID)
		if r.status != http.StatusOK || now.Status != "contacted" || now.OwnerID == nil || now.FollowUpOn != "2026-12-24" || now.Version != 2 {
			t.Fatalf("PATCH = %d (%s); lead %+v", r.status, r.body, now)
		}
		if r.header.Get("ETag") != `"2"` {
			t.Errorf("ETag after PATCH %q", r.header.Get("ETag"))
		}
		// Stale: the version read before the change. Nothing changes.
		if r := patch(`"1"`, `{"status":"won"}`, false); r.status != http.StatusPreconditionFailed {
			t.Errorf("stale PATCH = %d, want 412", r.status)
		}
		if r := patch("", `{"status":"won"}`, true); r.status != http.StatusPreconditionRequired {
			t.Errorf("PATCH without If-Match = %d, want 428", r.status)
		}
		for _, c := range []struct{ body, names string }{
			{`{"status":"asleep"}`, "status"},
			{`{"colour":"red"}`, "colour"},
			{`{"follow_up_on":"Christmas"}`, "follow_up_on"},
			{`{}`, "request body"},
		} {
			r := patch(`"2"`, c.body, c.names != "follow_up_on" && c.names != "request body")
			var p problemBodyT
			_ = json.Unmarshal([]byte(r.body), &p)
			if r.status != http.StatusUnprocessableEntity || p.names() != c.names {
				t.Errorf("PATCH %s = %d naming %q, want 422 naming %q", c.body, r.status, p.names(), c.names)
			}
		}
		if now := s.lead(lead.ID); now.Status != "contacted" || now.Version != 2 {
			t.Errorf("refused changes changed the lead: %+v", now)
		}
		// Unassigning, then a note.
		if r := patch(`"2"`, `{"owner_id":null}`, false); r.status != http.StatusOK || s.lead(lead.ID).OwnerID != nil {
			t.Errorf("unassign = %d", r.status)
		}
		r = s.api(apiCall{method: "POST", path: path + "/notes", token: write, body: `{"body":"Called; they want a workshop."}`})
		notes, _ := s.store.LeadNotes(t.Context(), lead.ID)
		if r.status != http.StatusCreated || len(notes) != 1 || !strings.Contains(r.body, "a workshop") {
			t.Errorf("note = %d %s", r.status, r.body)
		}
		if r := s.api(apiCall{method: "POST", path: path + "/notes", token: write, body: `{"body":"   "}`}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("a blank note = %d, want 422", r.status)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads/999999", token: read}); r.status != http.StatusNotFound {
			t.Errorf("an unknown lead = %d", r.status)
		}
		big := `{"body":"` + strings.Repeat("a", 70<<10) + `"}`
		if r := s.api(apiCall{method: "POST", path: path + "/notes", token: write, body: big}); r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("a body over BODY_LIMIT = %d, want 413", r.status)
		}
	})
}

// TestAPIContacts: the export's rows as JSON Lines or CSV, consented
// contacts unless an admin asks for all, each call logged.
func TestAPIContacts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.exportLead("Opted In", true)
		s.exportLead("Not Opted", false)
		marketing := s.newToken(s.newUser(models.RoleMarketing), models.ScopeContactsRead)
		admin := s.newToken(s.newUser(models.RoleAdmin), models.ScopeContactsRead)

		r := s.api(apiCall{method: "GET", path: "/api/v1/contacts", token: marketing})
		lines := strings.Split(strings.TrimSpace(r.body), "\n")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/jsonl" || len(lines) != 1 {
			t.Fatalf("JSON Lines = %d %q: %q", r.status, r.header.Get("Content-Type"), r.body)
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row["company"] != "Opted In" || row["lead_id"] == nil {
			t.Errorf("row %v: %v", row, err)
		}
		r = s.api(apiCall{method: "GET", path: "/api/v1/contacts?contacts=all", token: admin, header: []string{"Accept", "text/csv"}})
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "lead_id,email,") || strings.Count(r.body, "\n") != 3 {
			t.Errorf("CSV for all = %d: %q", r.status, r.body)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/contacts?contacts=all", token: marketing}); r.status != http.StatusForbidden {
			t.Errorf("marketing asking for all = %d, want 403", r.status)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/contacts?band=nope", token: marketing}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"band"`) {
			t.Errorf("a bad band = %d %s", r.status, r.body)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/contacts?colour=red&excel=1", token: marketing, bad: true}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"name":"colour"`) || !strings.Contains(r.body, `"name":"excel"`) {
			t.Errorf("unknown parameters = %d %s", r.status, r.body)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/contacts", token: marketing, header: []string{"Accept", "image/png"}}); r.status != http.StatusNotAcceptable {
			t.Errorf("Accept image/png = %d, want 406", r.status)
		}
		logged, _ := s.store.RecentExports(t.Context(), 10)
		if len(logged) != 2 {
			t.Errorf("%d exports logged, want 2", len(logged))
		}
	})
}

// TestOpenAPIDocumentIsServedAndValid: the document validates (apiDoc
// does that) and is what /api/v1/openapi.json serves.
func TestOpenAPIDocumentIsServedAndValid(t *testing.T) {
	if _, err := apiDoc(); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, models.SQLite)
	r := s.api(apiCall{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != http.StatusOK || r.body != string(handlers.OpenAPIJSON) {
		t.Errorf("GET /api/v1/openapi.json = %d", r.status)
	}
	if r := s.get("/api/v1/nothing-here"); r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("an unknown API path = %d %q, want a 404 problem", r.status, r.header.Get("Content-Type"))
	}
}

type apiLeadListBody struct {
	Leads []struct {
		Name string `json:"name"`
	} `json:"leads"`
	Next *string `json:"next"`
}

type problemBodyT struct {
	Status        int `json:"status"`
	InvalidParams []struct {
		Name string `json:"name"`
	} `json:"invalid_params"`
}

// names lists the refused parameters, space-separated.
func (p problemBodyT) names() string {
	var n []string
	for _, ip := range p.InvalidParams {
		n = append(n, ip.Name)
	}
	return strings.Join(n, " ")
}

// seedContactsSQL writes $1 leads who opted in to marketing, every
// free-text column filled, for the streaming test.
const seedContactsSQL = `
WITH l AS (
INSERT INTO leads (token, name, email, company, role, team_size, diagnostic_version, overall_index, band, status,
	landing_page, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content, created_at, marketing_opt_in)
SELECT 'stream-' || g, 'Ada Lovelace ' || g, 'person' || g || '@example.com', 'Analytical Engines Ltd', 'Head of Operations',
	1 + g % 200, 'v1', g % 101, 'leading', 'new', '/articles/leadership-vs-management', 'https://www.linkedin.com/feed/',
	'newsletter', 'email', 'autumn-2026', 'leadership', 'hero-cta', now() - (g % 730) * interval '1 day', true
FROM generate_series(1, $1::int) AS g
RETURNING id, created_at)
INSERT INTO lead_consents (lead_id, purpose, granted, decided_at, wording_version, wording_sha256, wording)
SELECT id, 'marketing', true, created_at, '2026-01', 'x', 'Send me insights' FROM l`

// TestAPIContactsStreams100kWithFlatMemory streams 100,000 contacts as
// JSON Lines through the real server, and the heap grows by a small part of
// what the body weighs: the rows go out a chunk at a time, never held.
func TestAPIContactsStreams100kWithFlatMemory(t *testing.T) {
	s := newSite(t, models.Postgres)
	const n = 100_000
	if _, err := s.store.SQLDB().ExecContext(t.Context(), seedContactsSQL, n); err != nil {
		t.Fatal(err)
	}
	token := s.newToken(s.newUser(models.RoleMarketing), models.ScopeContactsRead)
	req, _ := http.NewRequest(http.MethodGet, s.url+"/api/v1/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+token)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	var sampled sync.WaitGroup
	sampled.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > base.HeapAlloc {
					peak = max(peak, m.HeapAlloc-base.HeapAlloc)
				}
			}
		}
	})
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines, size := countLines(t, res.Body)
	res.Body.Close()
	close(stop)
	sampled.Wait()
	if res.StatusCode != http.StatusOK || lines != n {
		t.Fatalf("streamed %d lines with %d, want %d", lines, res.StatusCode, n)
	}
	t.Logf("%d contacts, %.1f MB of JSON Lines, heap peak +%.1f MB", lines, float64(size)/(1<<20), float64(peak)/(1<<20))
	if peak > size/4 {
		t.Errorf("the heap grew by %.1f MB streaming %.1f MB: the rows are being held", float64(peak)/(1<<20), float64(size)/(1<<20))
	}
}

// countLines reads r to its end, counting lines and bytes.
func countLines(t *testing.T, r io.Reader) (lines int, size uint64) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for {
		k, err := r.Read(buf)
		size += uint64(k)
		lines += bytes.Count(buf[:k], []byte("\n"))
		if err == io.EOF {
			return lines, size
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
