package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/webhook"
)

// WebhookSender sends webhook events on an admin's request: a test event
// to an endpoint, and a logged delivery again with its original id.
type WebhookSender interface {
	SendTest(ctx context.Context, endpointID int64) error
	Redeliver(ctx context.Context, deliveryID int64) error
}

type integrationsPage struct {
	adminPage
	Endpoints []endpointRow
	Form      endpointForm
	Kinds     []string
	// CanSend is false when this instance has no WebhookSender: test
	// events and "Send again" are unavailable.
	CanSend bool
}

// endpointRow is an endpoint as the pages show it.
type endpointRow struct {
	ID             int64
	Href           string
	URL, Kind      string
	Events         []string
	Description    string
	Disabled       bool
	DisabledReason string
	DisabledAt     *moment
	LastDelivery   *moment
	LastStatus     string
	LastOK         bool
	FailureStreak  int
	FailingSince   *moment
	PreviousUntil  *moment // the old secret still signs until then
	Signed         bool    // deliveries are signed, so there is a secret to rotate
}

func newEndpointRow(e *models.WebhookEndpoint) endpointRow {
	r := endpointRow{
		ID: e.ID, Href: "/admin/integrations/" + strconv.FormatInt(e.ID, 10),
		URL: e.URL, Kind: e.Kind, Events: e.EventList(), Description: e.Description,
		Disabled: e.Disabled(), DisabledReason: e.DisabledReason, DisabledAt: optMoment(e.DisabledAt),
		LastDelivery: optMoment(e.LastDeliveryAt), FailureStreak: e.FailureStreak, FailingSince: optMoment(e.FailingSince),
		Signed: webhook.SignsDeliveries(e.Kind),
	}
	if e.LastDeliveryAt != nil {
		r.LastStatus, r.LastOK = statusText(e.LastStatus), e.LastStatus >= 200 && e.LastStatus < 300
	}
	if until := e.PreviousSecretUntil; e.PreviousSecret != nil && until != nil && until.After(time.Now()) {
		r.PreviousUntil = optMoment(until)
	}
	return r
}

// statusText is an HTTP status as the delivery log shows it.
func statusText(code int) string {
	if code == 0 {
		return "no answer"
	}
	return strconv.Itoa(code)
}

// endpointForm is the add and edit form: what was typed, kept when it is
// shown again with what is wrong.
type endpointForm struct {
	URL, Kind, Description string
	Events                 map[string]bool
	Errors                 map[string]string
	IDPrefix               string // keeps the add and edit forms' field ids apart
}

// EventChoices is every event with whether the form has it ticked.
func (f endpointForm) EventChoices() []eventChoice {
	var out []eventChoice
	for i, e := range webhook.Events {
		out = append(out, eventChoice{ID: "event-" + strconv.Itoa(i), Name: e, Checked: f.Events[e]})
	}
	return out
}

type eventChoice struct {
	ID, Name string
	Checked  bool
}

func bindEndpointForm(c echo.Context) (endpointForm, webhook.EndpointInput, error) {
	values, err := c.FormParams()
	if err != nil {
		return endpointForm{}, webhook.EndpointInput{}, err
	}
	in := webhook.EndpointInput{
		URL: values.Get("url"), Kind: values.Get("kind"), Events: values["events"], Description: values.Get("description"),
	}
	f := endpointForm{URL: in.URL, Kind: in.Kind, Description: in.Description, Events: map[string]bool{}}
	for _, e := range in.Events {
		f.Events[e] = true
	}
	return f, in, nil
}

// IntegrationList shows every webhook endpoint and the form to add one
// (admins only).
func (h *Handlers) IntegrationList(c echo.Context) error {
	return h.renderIntegrations(c, http.StatusOK, endpointForm{
		Kind: models.WebhookStandard, Events: map[string]bool{webhook.LeadCreated: true}, IDPrefix: "new-",
	})
}

func (h *Handlers) renderIntegrations(c echo.Context, status int, f endpointForm) error {
	list, err := h.Store.WebhookEndpoints(c.Request().Context())
	if err != nil {
		return err
	}
	p := integrationsPage{
		adminPage: h.newAdminPage(c, "Integrations", "/admin/integrations"),
		Form:      f, Kinds: models.WebhookKinds, CanSend: h.Webhooks != nil,
	}
	for i := range list {
		p.Endpoints = append(p.Endpoints, newEndpointRow(&list[i]))
	}
	return c.Render(status, "admin/integrations", p)
}

// AddIntegration adds an endpoint and shows its secret once, on its page;
// problems come back next to their fields with what was typed.
func (h *Handlers) AddIntegration(c echo.Context) error {
	f, in, err := bindEndpointForm(c)
	if err != nil {
		return err
	}
	f.IDPrefix = "new-"
	e, secret, err := h.WebhookRules.Add(c.Request().Context(), h.Store, in)
	var fe webhook.FieldErrors
	if errors.As(err, &fe) {
		f.Errors = fe
		return h.renderIntegrations(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if webhook.SignsDeliveries(e.Kind) {
		h.secretFlash.set(c, e.ID, secret)
	}
	return c.Redirect(http.StatusSeeOther, newEndpointRow(e).Href+"?notice=webhook-added")
}
