package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestClientAddressCannotBeForged drives the per-client sign-in limit (one
// attempt a minute) with X-Forwarded-For headers: a client can change the
// header at will, so it must count only when it comes from a trusted proxy,
// and then only its right-most address the proxy did not add itself.
func TestClientAddressCannotBeForged(t *testing.T) {
	signIn := func(s *site, token string, xff string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.url+"/admin/login", strings.NewReader(url.Values{
			"_csrf": {token}, "email": {"who@example.com"}, "password": {"not the password"},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		return s.do(req).status
	}

	t.Run("no trusted proxy: the header is ignored", func(t *testing.T) {
		s := newSiteWith(t, modelstest.Open(t, models.SQLite), func(d *handlers.Deps) { d.SubmitRateLimit = 1 })
		token := s.formToken("/admin/login")
		if got := signIn(s, token, "203.0.113.1"); got == http.StatusTooManyRequests {
			t.Fatal("the first attempt was refused")
		}
		if got := signIn(s, token, "203.0.113.2"); got != http.StatusTooManyRequests {
			t.Fatalf("a forged X-Forwarded-For bought a new allowance: %d", got)
		}
	})

	t.Run("behind a trusted proxy: the proxy's client counts", func(t *testing.T) {
		_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
		s := newSiteWith(t, modelstest.Open(t, models.SQLite), func(d *handlers.Deps) {
			d.SubmitRateLimit = 1
			d.TrustedProxies = []*net.IPNet{loopback}
		})
		token := s.formToken("/admin/login")
		for _, xff := range []string{"203.0.113.1", "203.0.113.2"} {
			if got := signIn(s, token, xff); got == http.StatusTooManyRequests {
				t.Fatalf("%s, a different client, was refused", xff)
			}
		}
		// The client writes what it likes to the left of what the proxy
		// appends: that part is not believed.
		if got := signIn(s, token, "198.51.100.9, 203.0.113.1"); got != http.StatusTooManyRequests {
			t.Fatalf("a client escaped its limit by prepending an address: %d", got)
		}
	})
}
