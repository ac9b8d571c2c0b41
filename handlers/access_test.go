package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
)

// Who may use which route, written out here rather than read from the
// route table, so that a change to an access rule fails this test until
// the row below is changed too, on purpose.
type outcome int

const (
	allowed outcome = iota // let through to the handler
	signIn                 // sent to sign in (303 to /admin/login?next=…)
	denied                 // signed in without the right: 403
	noToken                // an API route, which no cookie opens: 401
)

func (o outcome) String() string {
	return [...]string{"let through", "a redirect to sign in", "403", "401"}[o]
}

// personas are the columns of wantAccess, in order.
var personas = []struct{ name, role string }{
	{"anonymous", ""},
	{"expired session", "expired"},
	{"marketing", models.RoleMarketing},
	{"consultant", models.RoleConsultant},
	{"admin", models.RoleAdmin},
}

// wantAccess is every route the site serves, and what each persona gets:
// anonymous, expired session, marketing, consultant, admin.
var wantAccess = []struct {
	route string
	want  [5]outcome
}{
	// The public site.
	{"GET /", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"HEAD /", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /articles/leadership-vs-management", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"HEAD /articles/leadership-vs-management", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /diagnostic", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /diagnostic", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /diagnostic/steps", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /results/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /embed/diagnostic", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /embed/diagnostic", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /embed/results/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /results/:token/report.pdf", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /results/:token/team/invite", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /results/:token/team", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /team/thanks", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /team/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /team/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /team/:token/never-email", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /team/:token/never-email", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /privacy", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /unsubscribe/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /unsubscribe/:token", [5]outcome{allowed, allowed, allowed, allowed, allowed}},

	// Scheduling services' webhooks: no session or form token, whoever
	// asks; the signature decides (bookings_test.go).
	{"POST /hooks/bookings/cal", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /hooks/bookings/calendly", [5]outcome{allowed, allowed, allowed, allowed, allowed}},

	// Signing in and out.
	{"GET /admin/login", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /admin/login", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"POST /admin/logout", [5]outcome{signIn, signIn, allowed, allowed, allowed}},

	// The workspace: every member of staff sees the dashboard and the inbox.
	{"GET /admin", [5]outcome{signIn, signIn, allowed, allowed, allowed}},
	{"GET /admin/leads", [5]outcome{signIn, signIn, allowed, allowed, allowed}},
	// A lead's page and its follow-up: consultants and admins, not marketing.
	{"GET /admin/leads/:id", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"GET /admin/leads/:id/brief.pdf", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"POST /admin/leads/:id/status", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"POST /admin/leads/:id/owner", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"POST /admin/leads/:id/follow-up", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"POST /admin/leads/:id/notes", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	{"POST /admin/leads/:id/emails/:kind/resend", [5]outcome{signIn, signIn, denied, allowed, allowed}},
	// Erasure and a person's data: admins only.
	{"GET /admin/leads/:id/erase", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/leads/:id/erase", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"GET /admin/leads/:id/data.json", [5]outcome{signIn, signIn, denied, denied, allowed}},
	// The export: marketing and admins, not consultants.
	{"GET /admin/insights", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/campaigns", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/campaigns.csv", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/answers", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/answers.csv", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/outcomes", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/insights/outcomes.csv", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/export", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/export.csv", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	{"GET /admin/export.xlsx", [5]outcome{signIn, signIn, allowed, denied, allowed}},
	// Quarantine, users and metrics: admins only.
	{"GET /admin/quarantine", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/quarantine/:id/release", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/quarantine/:id/delete", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"GET /admin/users", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/users", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/users/:id", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"GET /admin/metrics", [5]outcome{signIn, signIn, denied, denied, allowed}},
	// API tokens: everyone's own (the handler scopes an admin to all).
	{"GET /admin/tokens", [5]outcome{signIn, signIn, allowed, allowed, allowed}},
	{"POST /admin/tokens", [5]outcome{signIn, signIn, allowed, allowed, allowed}},
	{"POST /admin/tokens/:id/revoke", [5]outcome{signIn, signIn, allowed, allowed, allowed}},
	// Integrations (webhook endpoints): admins only.
	{"GET /admin/integrations", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"GET /admin/integrations/:id", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id/disable", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id/enable", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id/rotate-secret", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id/test", [5]outcome{signIn, signIn, denied, denied, allowed}},
	{"POST /admin/integrations/:id/deliveries/:delivery/send-again", [5]outcome{signIn, signIn, denied, denied, allowed}},

	// The JSON API: bearer tokens only, so a session opens none of it
	// (api_test.go's wantAPIAccess has what each token gets).
	{"GET /api/v1/openapi.json", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /api/v1/leads", [5]outcome{noToken, noToken, noToken, noToken, noToken}},
	{"GET /api/v1/leads/:id", [5]outcome{noToken, noToken, noToken, noToken, noToken}},
	{"PATCH /api/v1/leads/:id", [5]outcome{noToken, noToken, noToken, noToken, noToken}},
	{"POST /api/v1/leads/:id/notes", [5]outcome{noToken, noToken, noToken, noToken, noToken}},
	{"GET /api/v1/contacts", [5]outcome{noToken, noToken, noToken, noToken, noToken}},

	// Assets and operations.
	{"GET /static/*", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"HEAD /static/*", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /favicon.ico", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"HEAD /favicon.ico", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /healthz", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
	{"GET /readyz", [5]outcome{allowed, allowed, allowed, allowed, allowed}},
}

// TestAccessTable asks every route as every persona and checks the answer
// against wantAccess. The site must serve exactly the routes listed there:
// a route added without a row, or a row whose route is gone, fails.
func TestAccessTable(t *testing.T) {
	s := newSite(t, models.Postgres)
	ctx := context.Background()

	// A form token pair: the cookie and the matching field, as a browser holds.
	login := s.get("/admin/login")
	csrfCookie := ""
	for _, ck := range s.client.Jar.Cookies(mustURL(s.url + "/admin/login")) {
		if ck.Name == "intake_csrf" {
			csrfCookie = ck.Value
		}
	}
	token := csrfInput.FindStringSubmatch(login.body)
	if csrfCookie == "" || token == nil {
		t.Fatal("no form token from the sign-in page")
	}
	leadLoc := s.post("/diagnostic", s.validForm(diagnostictest.Value(3))).header.Get("Location")
	lead, err := s.store.LeadByToken(ctx, strings.TrimPrefix(leadLoc, "/results/"))
	if err != nil {
		t.Fatal(err)
	}

	users := map[string]*models.User{}
	for _, role := range models.Roles {
		users[role] = s.newUser(role)
	}
	sessionFor := func(role string) string {
		switch role {
		case "":
			return ""
		case "expired":
			u := users[models.RoleConsultant]
			tok, err := s.store.CreateSession(ctx, u.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.store.ExpireSessionsIdleSince(ctx, u.ID, time.Now().Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		tok, err := s.store.CreateSession(ctx, users[role].ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	want := map[string]bool{}
	for _, row := range wantAccess {
		if want[row.route] {
			t.Errorf("route %s has two rows in wantAccess", row.route)
		}
		want[row.route] = true
	}
	inTable := map[string]bool{}
	for _, r := range handlers.RouteTable() {
		inTable[r.Method+" "+r.Path] = true
	}
	served := map[string]bool{}
	for _, r := range s.echoRoutes() {
		served[r] = true
		if !want[r] {
			t.Errorf("route %s is served but has no row in wantAccess", r)
		}
		if !inTable[r] {
			t.Errorf("route %s is served but has no row in the route table", r)
		}
	}
	for r := range inTable {
		if !want[r] {
			t.Errorf("route %s is in the route table but has no row in wantAccess", r)
		}
	}
	for r := range want {
		if !served[r] {
			t.Errorf("route %s has a row in wantAccess but is not served", r)
		}
	}

	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, row := range wantAccess {
		method, route, _ := strings.Cut(row.route, " ")
		path := strings.NewReplacer(":id", strconv.FormatInt(lead.ID, 10), ":token", "not-a-token",
			":kind", models.EmailProspectSummary, ":delivery", "1", "*", "css/site.css").Replace(route)
		if route == "/admin/users/:id" {
			path = "/admin/users/" + strconv.FormatInt(users[models.RoleMarketing].ID, 10)
		}
		for i, p := range personas {
			want := row.want[i]
			t.Run(row.route+" as "+p.name, func(t *testing.T) {
				body := strings.NewReader("")
				if method == http.MethodPost || method == http.MethodPatch {
					body = strings.NewReader(url.Values{"_csrf": {token[1]}}.Encode())
				}
				req, _ := http.NewRequest(method, s.url+path, body)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				cookies := "intake_csrf=" + csrfCookie
				if tok := sessionFor(p.role); tok != "" {
					cookies += "; intake_session=" + tok
				}
				req.Header.Set("Cookie", cookies)
				res, err := plain.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				got := allowed
				switch {
				case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next="):
					got = signIn
				case res.StatusCode == http.StatusForbidden:
					got = denied
				case res.StatusCode == http.StatusUnauthorized:
					got = noToken
				}
				if got != want {
					t.Errorf("got %v (%d %q), want %v", got, res.StatusCode, res.Header.Get("Location"), want)
				}
			})
		}
	}
}

// signedRoutes are the machine endpoints: authorised by their sender's
// signature, never by a session or a form token.
var signedRoutes = []string{"POST /hooks/bookings/cal", "POST /hooks/bookings/calendly"}

func TestSignedRoutesTakeNoSessionOrFormToken(t *testing.T) {
	var got []string
	for _, r := range handlers.RouteTable() {
		if !r.Access.Signed {
			continue
		}
		got = append(got, r.Method+" "+r.Path)
		if !r.Access.Public || len(r.Access.Roles) > 0 || r.Form {
			t.Errorf("%s %s: signed, but also asks for a session or a form token", r.Method, r.Path)
		}
	}
	if strings.Join(got, ",") != strings.Join(signedRoutes, ",") {
		t.Errorf("signed routes = %v, want %v", got, signedRoutes)
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
