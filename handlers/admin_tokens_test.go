package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stellapop/intake/models"
)

var newTokenCode = regexp.MustCompile(`id="new-token">(itk_[A-Za-z0-9_-]+)<`)

// TestTokensPage: a user makes a token, sees it once, uses it, and revokes
// it; others' tokens are theirs alone, except to an admin.
func TestTokensPage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		me := s.signIn(models.RoleMarketing)
		page := s.get("/admin/tokens")
		if page.status != http.StatusOK || strings.Contains(page.body, `value="leads:write"`) || !strings.Contains(page.body, `value="contacts:read"`) {
			t.Fatalf("a marketing user's page = %d, offering leads:write or not contacts:read", page.status)
		}
		tok := s.formToken("/admin/tokens")

		// Refused: no scope, a scope the role can't use, an expiry not offered.
		r := s.post("/admin/tokens", url.Values{"_csrf": {tok}, "name": {"Reporting"}, "days": {"1000"}, "scope": {"leads:write"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose from the scopes listed") || !strings.Contains(r.body, "Choose when the token expires") || !strings.Contains(r.body, `value="Reporting"`) {
			t.Errorf("a bad form = %d", r.status)
		}

		r = s.post("/admin/tokens", url.Values{"_csrf": {tok}, "name": {"Reporting"}, "days": {"30"}, "scope": {"leads:read", "contacts:read"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("make a token = %d: %s", r.status, r.body)
		}
		page = s.get(r.header.Get("Location"))
		m := newTokenCode.FindStringSubmatch(page.body)
		if m == nil || !strings.Contains(page.body, "leads:read, contacts:read") {
			t.Fatalf("the new token is not shown:\n%s", page.body)
		}
		if again := s.get("/admin/tokens"); strings.Contains(again.body, m[1]) {
			t.Error("the token is shown a second time")
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads", token: m[1]}); r.status != http.StatusOK {
			t.Errorf("the new token: %d", r.status)
		}
		if again := s.get("/admin/tokens"); strings.Contains(again.body, ">never<") {
			t.Error("its last use is not shown")
		}

		// Another user can neither see nor revoke it; an admin can.
		mine, _ := s.store.APITokens(t.Context(), me.ID)
		revoke := "/admin/tokens/" + strconv.FormatInt(mine[0].ID, 10) + "/revoke"
		s.signOut()
		s.signIn(models.RoleConsultant)
		if p := s.get("/admin/tokens"); strings.Contains(p.body, "Reporting") {
			t.Error("a consultant sees a marketing user's token")
		}
		if r := s.post(revoke, url.Values{"_csrf": {s.formToken("/admin/tokens")}}); r.status != http.StatusNotFound {
			t.Errorf("a consultant revoking another's token = %d, want 404", r.status)
		}
		s.signOut()
		s.signIn(models.RoleAdmin)
		if p := s.get("/admin/tokens"); !strings.Contains(p.body, "Reporting") || !strings.Contains(p.body, me.Email) {
			t.Error("an admin does not see everyone's tokens")
		}
		if r := s.post(revoke, url.Values{"_csrf": {s.formToken("/admin/tokens")}}); r.status != http.StatusSeeOther {
			t.Errorf("an admin revoking = %d", r.status)
		}
		if r := s.api(apiCall{method: "GET", path: "/api/v1/leads", token: m[1]}); r.status != http.StatusUnauthorized {
			t.Errorf("the revoked token: %d, want 401", r.status)
		}

		// An admin's new token is shown even when someone else made one
		// between the form and the page.
		r = s.post("/admin/tokens", url.Values{"_csrf": {s.formToken("/admin/tokens")}, "days": {"90"}, "scope": {"contacts:read"}})
		s.newToken(me, models.ScopeLeadsRead)
		if page := s.get(r.header.Get("Location")); newTokenCode.FindStringSubmatch(page.body) == nil {
			t.Error("the admin's new token is not shown after another user made one")
		}
	})
}
