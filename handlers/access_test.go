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

// TestAccessTable walks every route with every kind of visitor and checks
// the answer against the route table: anonymous and expired sessions are
// sent to sign in, signed-in users without the right get 403, the rest get
// through. A route registered without a row in the table fails here.
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
	type persona struct {
		name string
		role string // "" for none
	}
	personas := []persona{{"anonymous", ""}, {"expired session", "expired"}, {"marketing", models.RoleMarketing},
		{"consultant", models.RoleConsultant}, {"admin", models.RoleAdmin}}

	sessionFor := func(p persona) string {
		switch p.role {
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
		tok, err := s.store.CreateSession(ctx, users[p.role].ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	table := handlers.RouteTable()
	registered := map[string]bool{}
	for _, r := range table {
		registered[r.Method+" "+r.Path] = true
	}
	for _, r := range s.echoRoutes() {
		if !registered[r] {
			t.Errorf("route %s is served but has no row in the route table", r)
		}
	}

	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, r := range table {
		path := strings.NewReplacer(":id", strconv.FormatInt(lead.ID, 10), ":token", "not-a-token",
			":kind", models.EmailProspectSummary, "*", "css/site.css").Replace(r.Path)
		if r.Path == "/admin/users/:id" {
			path = "/admin/users/" + strconv.FormatInt(users[models.RoleMarketing].ID, 10)
		}
		for _, p := range personas {
			t.Run(r.Method+" "+r.Path+" as "+p.name, func(t *testing.T) {
				var body *strings.Reader
				if r.Method == http.MethodPost {
					body = strings.NewReader(url.Values{"_csrf": {token[1]}}.Encode())
				} else {
					body = strings.NewReader("")
				}
				req, _ := http.NewRequest(r.Method, s.url+path, body)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				cookies := "intake_csrf=" + csrfCookie
				if tok := sessionFor(p); tok != "" {
					cookies += "; intake_session=" + tok
				}
				req.Header.Set("Cookie", cookies)
				res, err := plain.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				toLogin := res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=")
				allowed := r.Access.Public || (p.role != "" && p.role != "expired" && r.Access.Allows(p.role))
				switch {
				case allowed && (toLogin || res.StatusCode == http.StatusForbidden):
					t.Errorf("got %d %s, want it let through", res.StatusCode, res.Header.Get("Location"))
				case !allowed && (p.role == "" || p.role == "expired") && !toLogin:
					t.Errorf("got %d, want a redirect to sign in", res.StatusCode)
				case !allowed && p.role != "" && p.role != "expired" && res.StatusCode != http.StatusForbidden:
					t.Errorf("got %d, want 403", res.StatusCode)
				}
			})
		}
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
