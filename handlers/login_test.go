package handlers_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func (s *site) login(email, password, next string) response {
	s.t.Helper()
	// Any public form's token will do: it is bound to the browser, not the page.
	return s.post("/admin/login", url.Values{"_csrf": {s.formToken("/diagnostic")}, "email": {email}, "password": {password}, "next": {next}})
}

func (s *site) sessionCookie() string {
	for _, ck := range s.client.Jar.Cookies(mustURL(s.url + "/admin")) {
		if ck.Name == "intake_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSignIn(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		u := s.newUser(models.RoleConsultant)
		if r := s.get("/admin/leads?q=acme"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login?next="+url.QueryEscape("/admin/leads?q=acme") {
			t.Fatalf("anonymous inbox = %d %s, want a redirect to sign in and back", r.status, r.header.Get("Location"))
		}
		r := s.login(strings.ToUpper(u.Email), testPassword, "/admin/leads?q=acme")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/leads?q=acme" {
			t.Fatalf("sign in = %d %s", r.status, r.header.Get("Location"))
		}
		set := r.header.Get("Set-Cookie")
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || !strings.Contains(set, "Secure") {
			t.Errorf("session cookie %q must be HttpOnly, SameSite=Lax and Secure on https", set)
		}
		first := s.sessionCookie()
		if page := s.get("/admin/users"); page.status != http.StatusForbidden {
			t.Errorf("a consultant on the users page = %d, want 403", page.status)
		}
		// Signing in again gives a new session id and ends the old one.
		s.login(u.Email, testPassword, "")
		if second := s.sessionCookie(); second == first || second == "" {
			t.Errorf("the session id was not renewed at sign-in")
		}
		if _, err := s.store.SessionUser(context.Background(), first, time.Hour); err == nil {
			t.Errorf("the old session still works")
		}
	})
}

func TestSignInRefusesWithOneMessage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		u := s.newUser(models.RoleAdmin)
		wrong := s.login(u.Email, "not the password at all", "")
		unknown := s.login("nobody@stellapop.example", testPassword, "")
		for _, r := range []response{wrong, unknown} {
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong email or password.") {
				t.Errorf("failed sign-in = %d, want 401 with the one message", r.status)
			}
		}
		if s.sessionCookie() != "" {
			t.Errorf("a failed sign-in left a session")
		}
		if r := s.login(u.Email, "", ""); r.status != http.StatusUnprocessableEntity {
			t.Errorf("blank password = %d, want 422", r.status)
		}
		if r := s.login(u.Email, testPassword, "https://evil.example/"); r.header.Get("Location") != "/admin" {
			t.Errorf("sign-in followed next to %q; only workspace paths are allowed", r.header.Get("Location"))
		}
	})
}

// loginFrom signs in as a client at addr, behind the trusted proxy.
func (s *site) loginFrom(addr, email, password string) response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/admin/login", strings.NewReader(url.Values{
		"_csrf": {s.formToken("/diagnostic")}, "email": {email}, "password": {password},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	return s.do(req)
}

// TestSignInThrottling: failures slow an account down, and lock the
// address they come from, both alone and with that account. They no
// longer lock the account itself (as they once did): anyone could then
// keep its owner out by failing its password ten times from anywhere.
func TestSignInThrottling(t *testing.T) {
	const attacker, owner = "203.0.113.1", "198.51.100.7"
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) {
				d.TrustedProxies = []*net.IPNet{loopback}
			})
			u := s.newUser(models.RoleConsultant)
			want := []int{401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429, 429}
			start := time.Now()
			for i, status := range want {
				if r := s.loginFrom(attacker, u.Email, "wrong password number x"); r.status != status {
					t.Fatalf("failure %d from %s = %d, want %d", i+1, attacker, r.status, status)
				}
			}
			if took := time.Since(start); took < 500*time.Millisecond {
				t.Errorf("12 failures took %v: repeated failures should be slowed down", took)
			}
			// The owner, from their own address, still signs in...
			if r := s.loginFrom(owner, u.Email, testPassword); r.status != http.StatusSeeOther {
				t.Fatalf("the right password from %s = %d, want 303: another address locked the account", owner, r.status)
			}
			// ...while the address that failed stays refused, even with the
			// right password...
			r := s.loginFrom(attacker, u.Email, testPassword)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "900" || !strings.Contains(r.body, "signing in is paused") {
				t.Fatalf("the right password from %s = %d, Retry-After %q; want 429, 900", attacker, r.status, r.header.Get("Retry-After"))
			}
			// ...whatever account it tries.
			other := s.newUser(models.RoleConsultant)
			if r := s.loginFrom(attacker, other.Email, testPassword); r.status != http.StatusTooManyRequests {
				t.Errorf("another account from %s = %d, want 429", attacker, r.status)
			}
		})
	}
}

// TestSignInThrottleKeysCannotBeForged: failures with an "email" made to
// look like the owner's account and address, from many addresses, neither
// lock the owner out of their own address nor count against it.
func TestSignInThrottleKeysCannotBeForged(t *testing.T) {
	const owner = "198.51.100.7"
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) {
				d.TrustedProxies = []*net.IPNet{loopback}
			})
			u := s.newUser(models.RoleConsultant)
			forged := u.Email + " ip:" + owner
			for i := range 10 {
				attacker := "203.0.113." + string(rune('1'+i))
				if r := s.loginFrom(attacker, forged, "wrong password number x"); r.status != http.StatusUnauthorized {
					t.Fatalf("forged failure %d from %s = %d, want 401", i+1, attacker, r.status)
				}
			}
			// The owner mistypes once from their own address: a failure,
			// not a lock-out...
			if r := s.loginFrom(owner, u.Email, "mistyped password"); r.status != http.StatusUnauthorized {
				t.Fatalf("the owner's first mistake from %s = %d, want 401: forged failures counted against it", owner, r.status)
			}
			// ...and then signs in.
			if r := s.loginFrom(owner, u.Email, testPassword); r.status != http.StatusSeeOther {
				t.Fatalf("the right password from %s = %d, want 303", owner, r.status)
			}
		})
	}
}

func TestSignOutAndDisabledAndExpired(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		u := s.signIn(models.RoleConsultant)
		token := s.sessionCookie()
		r := s.post("/admin/logout", url.Values{"_csrf": {s.formToken("/diagnostic")}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/login") {
			t.Fatalf("sign out = %d %s", r.status, r.header.Get("Location"))
		}
		if _, err := s.store.SessionUser(ctx, token, time.Hour); err == nil {
			t.Errorf("the session still works after signing out")
		}
		if r := s.get("/admin"); r.status != http.StatusSeeOther {
			t.Errorf("after sign-out /admin = %d, want a redirect to sign in", r.status)
		}

		// Disabling a user ends their sessions at once.
		s.login(u.Email, testPassword, "")
		if r := s.get("/admin/leads"); r.status == http.StatusSeeOther {
			t.Fatalf("signed back in but sent to sign in")
		}
		if err := s.store.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := s.get("/admin/leads"); r.status != http.StatusSeeOther {
			t.Errorf("a disabled user's session = %d, want a redirect to sign in", r.status)
		}
		if r := s.login(u.Email, testPassword, ""); r.status != http.StatusUnauthorized {
			t.Errorf("a disabled user signing in = %d, want 401", r.status)
		}

		// An idle session ends.
		v := s.signIn(models.RoleConsultant)
		if err := s.store.ExpireSessionsIdleSince(ctx, v.ID, time.Now().Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if r := s.get("/admin/leads"); r.status != http.StatusSeeOther {
			t.Errorf("an idle session = %d, want a redirect to sign in", r.status)
		}
	})
}

func TestUsersPage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		admin := s.signIn(models.RoleAdmin)
		tok := s.formToken("/admin/users")
		r := s.post("/admin/users", url.Values{"_csrf": {tok}, "email": {"new.person@stellapop.example"}, "name": {"New Person"}, "role": {"marketing"}, "password": {"short"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at least 12 characters") || !strings.Contains(r.body, `value="new.person@stellapop.example"`) {
			t.Fatalf("short password = %d, want 422 with the message and the email kept", r.status)
		}
		r = s.post("/admin/users", url.Values{"_csrf": {tok}, "email": {"new.person@stellapop.example"}, "name": {"New Person"}, "role": {"marketing"}, "password": {testPassword}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("add user = %d", r.status)
		}
		u, err := s.store.UserByEmail(ctx, "new.person@stellapop.example")
		if err != nil || u.Role != models.RoleMarketing {
			t.Fatalf("user = %+v, %v", u, err)
		}
		if r := s.post("/admin/users", url.Values{"_csrf": {tok}, "email": {"NEW.person@stellapop.example"}, "role": {"marketing"}, "password": {testPassword}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "already a user") {
			t.Errorf("duplicate email = %d", r.status)
		}
		id := "/admin/users/" + itoa(u.ID)
		if r := s.post(id, url.Values{"_csrf": {tok}, "action": {"role"}, "role": {"consultant"}}); r.status != http.StatusSeeOther {
			t.Errorf("change role = %d", r.status)
		}
		if r := s.post(id, url.Values{"_csrf": {tok}, "action": {"disable"}}); r.status != http.StatusSeeOther {
			t.Errorf("disable = %d", r.status)
		}
		if u, _ := s.store.UserByID(ctx, u.ID); u.Role != models.RoleConsultant || !u.Disabled() {
			t.Errorf("after changes: %+v", u)
		}
		if r := s.post("/admin/users/"+itoa(admin.ID), url.Values{"_csrf": {tok}, "action": {"disable"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("disabling yourself = %d, want 422", r.status)
		}
	})
}
