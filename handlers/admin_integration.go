package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/webhook"
)

// deliveryLogLength is how many of an endpoint's latest deliveries its
// page lists.
const deliveryLogLength = 100

// responseShown is how much of a receiver's answer the log shows.
const responseShown = 1024

type integrationPage struct {
	adminPage
	Endpoint   endpointRow
	Form       endpointForm
	Deliveries []deliveryRow
	KeepDays   int
	CanSend    bool
	// Secret is the endpoint's new signing secret, shown once after it
	// was added or its secret rotated; empty on every other view.
	Secret string
}

// deliveryRow is one attempt in an endpoint's delivery log.
type deliveryRow struct {
	ID            int64
	At            moment
	Event         string
	Attempt       int
	Status        string
	OK            bool
	Duration      string
	Response      string
	Error         string
	SendAgainPath string
}

// IntegrationPage shows one endpoint: its settings to edit, its actions
// and its delivery log (admins only).
func (h *Handlers) IntegrationPage(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	return h.renderIntegration(c, http.StatusOK, e, editForm(e))
}

func editForm(e *models.WebhookEndpoint) endpointForm {
	f := endpointForm{URL: e.URL, Kind: e.Kind, Description: e.Description, Events: map[string]bool{}, IDPrefix: "edit-"}
	for _, ev := range e.EventList() {
		f.Events[ev] = true
	}
	return f
}

func (h *Handlers) renderIntegration(c echo.Context, status int, e *models.WebhookEndpoint, f endpointForm) error {
	list, err := h.Store.WebhookDeliveries(c.Request().Context(), e.ID, deliveryLogLength)
	if err != nil {
		return err
	}
	row := newEndpointRow(e)
	p := integrationPage{
		adminPage: h.newAdminPage(c, "Endpoint "+strconv.FormatInt(e.ID, 10), "/admin/integrations"),
		Endpoint:  row, Form: f, CanSend: h.Webhooks != nil, KeepDays: models.WebhookDeliveryKeepDays,
		Secret: h.secretFlash.take(c, e.ID),
	}
	for _, d := range list {
		p.Deliveries = append(p.Deliveries, deliveryRow{
			ID: d.ID, At: newMoment(d.CreatedAt), Event: d.EventType, Attempt: d.Attempt,
			Status: statusText(d.StatusCode), OK: d.Succeeded, Duration: fmt.Sprintf("%d ms", d.DurationMS),
			Response: firstBytes(d.Response, responseShown), Error: firstBytes(d.Error, responseShown),
			SendAgainPath: fmt.Sprintf("%s/deliveries/%d/send-again", row.Href, d.ID),
		})
	}
	return c.Render(status, "admin/integration", p)
}

// firstBytes is at most n bytes of s, cut between characters, with any
// invalid UTF-8 a receiver sent replaced.
func firstBytes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// endpointParam finds the endpoint the path names, or a 404.
func (h *Handlers) endpointParam(c echo.Context) (*models.WebhookEndpoint, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.ErrNotFound
	}
	return h.Store.WebhookEndpointByID(c.Request().Context(), id)
}

// backTo redirects to the endpoint's page with a notice.
func backTo(c echo.Context, e *models.WebhookEndpoint, notice string) error {
	return c.Redirect(http.StatusSeeOther, newEndpointRow(e).Href+"?notice="+notice)
}

// UpdateIntegration changes an endpoint's address, events and description;
// problems come back next to their fields with what was typed.
func (h *Handlers) UpdateIntegration(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	f, in, err := bindEndpointForm(c)
	if err != nil {
		return err
	}
	f.Kind, f.IDPrefix = e.Kind, "edit-"
	err = h.WebhookRules.Update(c.Request().Context(), h.Store, e.ID, in)
	var fe webhook.FieldErrors
	if errors.As(err, &fe) {
		f.Errors = fe
		return h.renderIntegration(c, http.StatusUnprocessableEntity, e, f)
	}
	if err != nil {
		return err
	}
	return backTo(c, e, "webhook-saved")
}

// DisableIntegration stops deliveries to an endpoint, saying who stopped them.
func (h *Handlers) DisableIntegration(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	if !e.Disabled() {
		reason := "Disabled by " + currentUser(c).DisplayName() + "."
		if err := h.Store.DisableWebhookEndpoint(c.Request().Context(), e.ID, reason, time.Now()); err != nil {
			return err
		}
	}
	return backTo(c, e, "webhook-disabled")
}

// EnableIntegration resumes deliveries to an endpoint.
func (h *Handlers) EnableIntegration(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	if err := h.Store.EnableWebhookEndpoint(c.Request().Context(), e.ID); err != nil {
		return err
	}
	return backTo(c, e, "webhook-enabled")
}

// RotateIntegrationSecret gives an endpoint a new secret and shows it once.
func (h *Handlers) RotateIntegrationSecret(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	secret, err := webhook.RotateSecret(c.Request().Context(), h.Store, e.ID)
	if errors.Is(err, webhook.ErrSlackSignsNothing) {
		return backTo(c, e, "webhook-no-secret")
	}
	if err != nil {
		return err
	}
	h.secretFlash.set(c, e.ID, secret)
	return backTo(c, e, "webhook-rotated")
}

// SendTestEvent asks for a test event to go to the endpoint.
func (h *Handlers) SendTestEvent(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	if h.Webhooks == nil {
		return backTo(c, e, "webhook-unavailable")
	}
	if err := h.Webhooks.SendTest(c.Request().Context(), e.ID); err != nil {
		return fmt.Errorf("send a test event to endpoint %d: %w", e.ID, err)
	}
	return backTo(c, e, "webhook-test")
}

// SendDeliveryAgain replays a logged delivery with its original id.
func (h *Handlers) SendDeliveryAgain(c echo.Context) error {
	e, err := h.endpointParam(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	d, err := h.Store.WebhookDeliveryByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if d.EndpointID != e.ID {
		return echo.ErrNotFound
	}
	if h.Webhooks == nil {
		return backTo(c, e, "webhook-unavailable")
	}
	if err := h.Webhooks.Redeliver(c.Request().Context(), d.ID); err != nil {
		return fmt.Errorf("send delivery %d again: %w", d.ID, err)
	}
	return backTo(c, e, "webhook-resent")
}
