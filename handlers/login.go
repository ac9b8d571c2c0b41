package handlers

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

type loginPage struct {
	adminPage
	Email string
	Next  string
	Error string
}

// LoginForm shows the sign-in form; a signed-in user goes straight on.
func (h *Handlers) LoginForm(c echo.Context) error {
	noStore(c)
	if u, err := h.sessionUser(c); err == nil && u != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return h.renderLogin(c, http.StatusOK, "", "")
}

func (h *Handlers) renderLogin(c echo.Context, status int, email, msg string) error {
	p := loginPage{adminPage: h.newAdminPage(c, "Sign in", ""), Email: email, Error: msg}
	p.Next = safeNext(c.QueryParam("next"))
	if v := c.FormValue("next"); v != "" {
		p.Next = safeNext(v)
	}
	return c.Render(status, "admin/login", p)
}

// loginExpired shows the form again when its token was stale.
func (h *Handlers) loginExpired(c echo.Context) error {
	noStore(c)
	return h.renderLogin(c, http.StatusForbidden, c.FormValue("email"), "The sign-in form had expired. Please sign in again.")
}

// Login checks the credentials, slowing repeated failures per account and
// per client address, and refusing them per client address and per account
// tried from it. An unknown email and a wrong password get the same
// answer, in the same time.
func (h *Handlers) Login(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	wait, ok, err := h.loginLimit.allow(ctx, c.RealIP(), time.Now())
	if err != nil {
		return err
	}
	if !ok {
		return h.renderLogin(c, tooManyRequests(c, wait), email,
			"Too many sign-in attempts from your network in the last minute. Please wait "+seconds(wait)+" and try again.")
	}
	keys := loginKeys(email, c.RealIP())

	worst := 0
	for _, k := range keys {
		t, err := h.Store.LoginThrottleState(ctx, k.key)
		if err != nil {
			return err
		}
		if k.lock && t.LockedUntil != nil && time.Now().Before(*t.LockedUntil) {
			wait := int(math.Ceil(time.Until(*t.LockedUntil).Minutes()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(wait*60))
			h.Logger.Warn("sign-in refused: too many failures", slog.String("id", requestID(c)))
			return h.renderLogin(c, http.StatusTooManyRequests, email,
				"Too many failed sign-ins. For your security, signing in is paused for "+strconv.Itoa(wait)+" minutes.")
		}
		worst = max(worst, t.Failures)
	}
	if worst >= models.ThrottleSlowAfter {
		if err := slowDown(ctx, h.LoginDelay, worst); err != nil {
			return err
		}
	}

	if email == "" || password == "" {
		return h.renderLogin(c, http.StatusUnprocessableEntity, email, "Enter your email and your password.")
	}
	u, err := h.Store.Authenticate(ctx, email, password)
	if errors.Is(err, models.ErrBadCredentials) {
		now := time.Now().UTC()
		for _, k := range keys {
			if _, err := h.Store.RecordLoginFailure(ctx, k.key, k.lock, now); err != nil {
				return err
			}
		}
		return h.renderLogin(c, http.StatusUnauthorized, email, "Wrong email or password.")
	}
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := h.Store.ClearLoginFailures(ctx, k.key); err != nil {
			return err
		}
	}
	// A new session id at every sign-in: a token planted before it is worthless.
	if ck, err := c.Cookie(sessionCookie); err == nil {
		_ = h.Store.DeleteSession(ctx, ck.Value)
	}
	token, err := h.Store.CreateSession(ctx, u.ID, h.SessionMaxAge)
	if err != nil {
		return err
	}
	h.setSessionCookie(c, token)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// throttleKey is one thing whose sign-in failures are counted; lock says
// whether enough failures refuse it outright or only slow it down.
type throttleKey struct {
	key  string
	lock bool
}

// loginKeys are what a sign-in's failures count against: the client
// address and the account from that address are locked after too many;
// the account alone is only slowed, so that someone failing its password
// from elsewhere can never lock its owner out. The typed address is
// escaped, so that no text typed as an email can name another key (an
// email ending " ip:" and its owner's address would otherwise count
// against the owner's own address).
func loginKeys(email, addr string) []throttleKey {
	keys := []throttleKey{{key: "ip:" + addr, lock: true}}
	if email != "" {
		account := "email:" + url.QueryEscape(strings.ToLower(email))
		keys = append(keys, throttleKey{key: account + " ip:" + addr, lock: true}, throttleKey{key: account})
	}
	return keys
}

// slowDown waits longer after each failure past the threshold: base,
// doubling, up to 16 × base.
func slowDown(ctx context.Context, base time.Duration, failures int) error {
	d := base << min(failures-models.ThrottleSlowAfter, 4)
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Logout ends the session everywhere it could be used.
func (h *Handlers) Logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := h.Store.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	h.clearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, "/admin/login?notice=signedout")
}
