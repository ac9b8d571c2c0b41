package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestWebhookSecretFlashIsForOneEndpointOnce: the sealed cookie gives its secret
// back only for its endpoint, only once, never in the clear, and nothing
// for a cookie altered or sealed under another INTAKE_SECRET.
func TestWebhookSecretFlashIsForOneEndpointOnce(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	flash := newSecretFlash(key, true)
	e := echo.New()

	rec := httptest.NewRecorder()
	flash.set(e.NewContext(httptest.NewRequest(http.MethodPost, "/admin/integrations", nil), rec), 7, "whsec_abc")
	set := rec.Result().Cookies()
	if len(set) != 1 || !set[0].HttpOnly || !set[0].Secure || set[0].Path != "/admin/integrations" || strings.Contains(set[0].Value, "abc") {
		t.Fatalf("cookie %+v", set)
	}
	take := func(f *secretFlash, value string, id int64) (string, []*http.Cookie) {
		req := httptest.NewRequest(http.MethodGet, "/admin/integrations/7", nil)
		req.AddCookie(&http.Cookie{Name: secretFlashCookie, Value: value})
		rec := httptest.NewRecorder()
		got := f.take(e.NewContext(req, rec), id)
		return got, rec.Result().Cookies()
	}
	if got, cleared := take(flash, set[0].Value, 7); got != "whsec_abc" || len(cleared) != 1 || cleared[0].MaxAge >= 0 {
		t.Errorf("take = %q, cookies %+v; want the secret and the cookie cleared", got, cleared)
	}
	if got, _ := take(flash, set[0].Value, 8); got != "" {
		t.Errorf("another endpoint's page got %q", got)
	}
	altered := []byte(set[0].Value)
	altered[len(altered)/2] ^= 1
	if got, _ := take(flash, string(altered), 7); got != "" {
		t.Errorf("an altered cookie gave %q", got)
	}
	other := newSecretFlash([]byte("another secret of thirty-two byt"), true)
	if got, _ := take(other, set[0].Value, 7); got != "" {
		t.Errorf("another INTAKE_SECRET opened the cookie: %q", got)
	}
}
