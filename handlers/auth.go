package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

const (
	sessionCookie  = "intake_session"
	userContextKey = "user"
)

// currentUser is the signed-in user of the request, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(userContextKey).(*models.User)
	return u
}

// requireRole lets a request through only with a live session whose user
// has one of the rule's roles. Anonymous (or expired) visitors are sent to
// sign in and come back; signed-in users without the right get a 403 page.
func (h *Handlers) requireRole(rule Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			noStore(c)
			u, err := h.sessionUser(c)
			if err != nil {
				return err
			}
			if u == nil {
				next := "/admin"
				if c.Request().Method == http.MethodGet {
					next = c.Request().URL.RequestURI()
				}
				return c.Redirect(http.StatusSeeOther, "/admin/login?next="+url.QueryEscape(next))
			}
			if !rule.Allows(u.Role) {
				return echo.NewHTTPError(http.StatusForbidden, "role not allowed")
			}
			c.Set(userContextKey, u)
			return next(c)
		}
	}
}

// sessionUser reads the session cookie; an unknown, expired or idle
// session, or a disabled user, is no user, and its cookie is cleared.
func (h *Handlers) sessionUser(c echo.Context) (*models.User, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	u, err := h.Store.SessionUser(c.Request().Context(), ck.Value, h.SessionIdle)
	if errors.Is(err, models.ErrNotFound) {
		h.clearSessionCookie(c)
		return nil, nil
	}
	return u, err
}

func (h *Handlers) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/admin",
		HttpOnly: true, Secure: h.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode,
		MaxAge: int(h.SessionMaxAge / time.Second),
	})
}

func (h *Handlers) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, Secure: h.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode,
	})
}

// formExpired answers a workspace form whose CSRF token is missing or stale.
func formExpired(c echo.Context) error {
	return echo.NewHTTPError(http.StatusForbidden, "This form had expired, so nothing was changed. Please go back, reload the page and try again.")
}

// safeNext accepts only a path inside the workspace as where to go after
// signing in, so the sign-in page can't send anyone to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin"
	}
	if strings.HasPrefix(next, "/admin/login") || strings.HasPrefix(next, "/admin/logout") {
		return "/admin"
	}
	return next
}
