package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/booking"
	"github.com/stellapop/intake/models"
)

// bookingKinds are the lead history each kind of meeting change adds.
var bookingKinds = map[string]string{
	booking.Booked:      models.ActivityMeetingBooked,
	booking.Rescheduled: models.ActivityMeetingRescheduled,
	booking.Cancelled:   models.ActivityMeetingCancelled,
}

// CalBooking receives Cal.com's booking webhooks; it is not found unless
// CalComSecret is set.
func (h *Handlers) CalBooking(c echo.Context) error {
	return h.receiveBooking(c, booking.CalCom, h.CalComSecret, func(body []byte) error {
		return booking.VerifyCal(h.CalComSecret, body, c.Request().Header.Get("X-Cal-Signature-256"))
	}, booking.ParseCal)
}

// CalendlyBooking receives Calendly's invitee webhooks; it is not found
// unless CalendlySigningKey is set.
func (h *Handlers) CalendlyBooking(c echo.Context) error {
	return h.receiveBooking(c, booking.Calendly, h.CalendlySigningKey, func(body []byte) error {
		return booking.VerifyCalendly(h.CalendlySigningKey, body, c.Request().Header.Get("Calendly-Webhook-Signature"), time.Now())
	}, booking.ParseCalendly)
}

// receiveBooking checks a scheduling service's signature before reading
// anything in the body, then records the meeting change on its lead.
func (h *Handlers) receiveBooking(c echo.Context, provider booking.Provider, secret []byte,
	verify func(body []byte) error, parse func(body []byte) (booking.Event, error)) error {
	if len(secret) == 0 {
		return echo.ErrNotFound
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or a broken connection
	}
	if err := verify(body); err != nil {
		h.Metrics.BookingReceived(string(provider), "rejected")
		detail := "The signature header is missing or does not match the body signed with the configured secret."
		if errors.Is(err, booking.ErrStaleSignature) {
			detail = "The signature's timestamp is more than three minutes from the server's clock."
		}
		return problem(c, http.StatusUnauthorized, "Signature not accepted", detail)
	}
	ev, err := parse(body)
	if err != nil {
		h.Metrics.BookingReceived(string(provider), "malformed")
		return problem(c, http.StatusBadRequest, "Malformed event", err.Error())
	}
	if ev.Kind == "" {
		h.Metrics.BookingReceived(string(provider), "ignored")
		return c.JSON(http.StatusOK, map[string]string{"outcome": "ignored"})
	}
	outcome, err := h.Store.RecordBooking(c.Request().Context(), models.Booking{
		EventSHA256: ev.IdentityHash(), Kind: bookingKinds[ev.Kind], Email: ev.Email, Start: ev.Start,
	})
	if err != nil {
		return err
	}
	h.Metrics.BookingReceived(string(provider), string(outcome))
	return c.JSON(http.StatusOK, map[string]string{"outcome": string(outcome)})
}

// problemDetails is an RFC 9457 problem, the answer a machine gets.
type problemDetails struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func problem(c echo.Context, status int, title, detail string) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	return json.NewEncoder(c.Response()).Encode(problemDetails{Title: title, Status: status, Detail: detail})
}
