package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

const (
	csrfCookie     = "intake_csrf"
	csrfField      = "_csrf"
	csrfContextKey = "csrf"
)

// csrfGuard protects forms with a signed double-submit token: the browser
// holds a random value in an HttpOnly cookie and each form carries its HMAC,
// which a cross-site page can neither read nor forge.
type csrfGuard struct {
	secret []byte
	secure bool
}

func newCSRFGuard(secret []byte, secure bool) *csrfGuard {
	key := hmac.New(sha256.New, secret)
	key.Write([]byte("intake csrf v1"))
	return &csrfGuard{secret: key.Sum(nil), secure: secure}
}

func (g *csrfGuard) sign(value string) string {
	m := hmac.New(sha256.New, g.secret)
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// middleware issues the cookie on safe requests and checks the form token on
// the others. A failed check calls onFail, so a form can be shown again with
// what the visitor typed rather than lost behind an error page.
func (g *csrfGuard) middleware(onFail echo.HandlerFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			value := ""
			if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
				value = ck.Value
			}
			method := c.Request().Method
			safe := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
			if !safe {
				form, err := c.FormParams()
				if err != nil {
					return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
				}
				sent := form.Get(csrfField)
				if value == "" || !hmac.Equal([]byte(sent), []byte(g.sign(value))) {
					g.issue(c, "")
					return onFail(c)
				}
			}
			g.issue(c, value)
			return next(c)
		}
	}
}

// issue sets (or keeps) the cookie and puts the matching form token in the context.
func (g *csrfGuard) issue(c echo.Context, value string) {
	if value == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		value = base64.RawURLEncoding.EncodeToString(b)
		c.SetCookie(&http.Cookie{
			Name: csrfCookie, Value: value, Path: "/",
			HttpOnly: true, Secure: g.secure, SameSite: http.SameSiteLaxMode,
		})
		c.Response().Header().Add(echo.HeaderVary, echo.HeaderCookie)
	}
	c.Set(csrfContextKey, g.sign(value))
}

// csrfToken is the token to put in the current page's forms.
func csrfToken(c echo.Context) string {
	s, _ := c.Get(csrfContextKey).(string)
	return s
}
