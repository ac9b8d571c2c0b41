package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

type unsubscribePage struct {
	Meta   views.Meta
	Action string // where the confirm button posts
	Done   bool   // the marketing consent is not (or no longer) active
}

// unsubscribeLead reads the signed lead id of an unsubscribe link. The
// signature is the credential: no sign-in, no CSRF token, and a link cannot
// be made for another lead.
func (h *Handlers) unsubscribeLead(c echo.Context) (*models.Lead, error) {
	id, ok := mail.ParseUnsubscribeToken(h.Secret, c.Param("token"))
	if !ok {
		return nil, echo.ErrNotFound
	}
	return h.Store.LeadByID(c.Request().Context(), id)
}

// UnsubscribeForm asks the reader to confirm, so that link scanners that
// open every link in an email never unsubscribe anyone.
func (h *Handlers) UnsubscribeForm(c echo.Context) error {
	noStore(c)
	lead, err := h.unsubscribeLead(c)
	if err != nil {
		return err
	}
	consent, _ := lead.Consent(models.PurposeMarketing)
	return h.renderUnsubscribe(c, !consent.Active())
}

// Unsubscribe withdraws the marketing consent, recording when. It serves
// both the confirm button and mail clients' one-click unsubscribe (RFC
// 8058), and doing it twice changes nothing.
func (h *Handlers) Unsubscribe(c echo.Context) error {
	noStore(c)
	lead, err := h.unsubscribeLead(c)
	if err != nil {
		return err
	}
	if _, err := h.Store.WithdrawConsent(c.Request().Context(), lead.ID, models.PurposeMarketing, time.Now().UTC()); err != nil {
		return err
	}
	if c.FormValue("List-Unsubscribe") == "One-Click" {
		return c.String(http.StatusOK, "Unsubscribed.\n")
	}
	return h.renderUnsubscribe(c, true)
}

func (h *Handlers) renderUnsubscribe(c echo.Context, done bool) error {
	title := "Unsubscribe from StellaPop’s insights"
	if done {
		title = "You’re unsubscribed"
	}
	return c.Render(http.StatusOK, "unsubscribe", unsubscribePage{
		Meta:   views.Meta{Title: title + " — StellaPop", NoIndex: true},
		Action: c.Request().URL.Path,
		Done:   done,
	})
}
