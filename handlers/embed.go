package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/framing"
	"github.com/stellapop/intake/models"
)

// The diagnostic as the firm's other sites show it: static/embed.js on
// their page inserts a frame of /embed/diagnostic, the same form (same
// definition, validation, scoring, consent and bot checks) in a compact
// layout, whose result shows in the frame too. docs/embedding.md says how
// to use it and why it works as it does.

const (
	embedDiagnosticPath = "/embed/diagnostic"
	embedContextKey     = "embed"
	// parentField names the embedding page's origin, in the frame's
	// address and its form: the only origin the frame posts messages to.
	parentField = "parent"
)

// embedView is what a framed page knows about the page around it.
type embedView struct {
	// Parent is the embedding page's origin when it is one of
	// EMBED_ORIGINS, or "": the frame then tells no one its height.
	Parent string
}

// embedPolicy is the Content-Security-Policy of the framed pages: the
// site's own, but framed by exactly origins. Nil when there are none.
func embedPolicy(origins []string) []string {
	if len(origins) == 0 {
		return nil
	}
	return []string{cspSources + "frame-ancestors " + strings.Join(origins, " ")}
}

// embeddable lets the embed routes be framed by EMBED_ORIGINS: it swaps
// the policy the frame middleware set and drops X-Frame-Options, which
// cannot name an origin. With no origins the routes do not exist (404),
// so the site's own pages keep refusing every frame.
func (h *Handlers) embeddable(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.embedCSP == nil {
			return echo.ErrNotFound
		}
		hdr := c.Response().Header()
		hdr["Content-Security-Policy"] = h.embedCSP
		delete(hdr, "X-Frame-Options")
		return next(c)
	}
}

// embedFor marks the request as framed for the parent origin given in
// value, kept only when it is one of EMBED_ORIGINS.
func (h *Handlers) embedFor(c echo.Context, value string) *embedView {
	ev := &embedView{}
	if framing.Allowed(h.EmbedOrigins, value) {
		ev.Parent = value
	}
	c.Set(embedContextKey, ev)
	return ev
}

// embedded is the framed page's view of its parent, or nil on the site's
// own pages.
func embedded(c echo.Context) *embedView {
	ev, _ := c.Get(embedContextKey).(*embedView)
	return ev
}

// resultPath is where a submission's result is shown: in the frame when
// it came from one, with the parent origin carried on.
func resultPath(c echo.Context, token string) string {
	if ev := embedded(c); ev != nil {
		p := "/embed/results/" + url.PathEscape(token)
		if ev.Parent != "" {
			p += "?" + url.Values{parentField: {ev.Parent}}.Encode()
		}
		return p
	}
	return resultPagePath(token)
}

// EmbedDiagnosticForm shows the diagnostic inside another site's frame.
// Its source is the embedding page, which embed.js passes in the address
// (ref, utm_*) and which is cleaned as any other source is. A start is
// counted for the funnel and, by embedding origin, for the dashboard.
func (h *Handlers) EmbedDiagnosticForm(c echo.Context) error {
	ev := h.embedFor(c, c.QueryParam(parentField))
	h.Funnel.Inc(models.MetricDiagnosticStarts)
	h.Funnel.Inc(models.EmbedStartsMetric(ev.Parent))
	f := &diagnosticForm{Source: sourceFromRequest(c, embedDiagnosticPath), Errors: map[string]string{}}
	h.Funnel.IncCampaignStart(f.Source.UTMSource, f.Source.UTMCampaign)
	return h.renderDiagnostic(c, http.StatusOK, f, "")
}

// SubmitEmbedDiagnostic takes the framed form. Its CSRF protection cannot
// be the site's cookie, which browsers increasingly withhold from frames
// of another site; embedCSRF binds the POST to the form we served instead.
// Past that it is SubmitDiagnostic, result shown in the frame.
func (h *Handlers) SubmitEmbedDiagnostic(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	h.embedFor(c, values.Get(parentField))
	if !h.embedCSRF(c, values, time.Now()) {
		return h.diagnosticExpired(c)
	}
	return h.SubmitDiagnostic(c)
}

// embedDiagnosticBusy answers a framed submission refused under load: the
// framed form again, with every answer kept and the busy notice, so that
// nothing the visitor gave is lost. It renders the template (the site's
// busy form is put together from pieces instead): framed submissions are
// the smaller share of a flood.
func (h *Handlers) embedDiagnosticBusy(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	h.embedFor(c, values.Get(parentField))
	f := parseDiagnosticForm(values, h.Diagnostic, h.Consent)
	return h.renderDiagnostic(c, http.StatusServiceUnavailable, f, busyNotice)
}

// embedCSRF checks that a framed POST carries a form we served: the
// stamp's signature covers the form's one-time submission key and when it
// was served, so it cannot be made up or moved to another key, it is
// fresh (stampMaxAge), and a key saves one lead at most (a second POST
// finds the first's result). A browser's Origin header, when sent, must
// be our own: the frame posts to itself, and a page elsewhere posting a
// form at us is refused. What a cookie adds on the site's forms, tying
// the POST to one browser, buys nothing here: the form is anonymous and
// anyone may fetch one, so a forger could always send it themselves.
func (h *Handlers) embedCSRF(c echo.Context, v url.Values, now time.Time) bool {
	if o := firstValue(c.Request().Header, "Origin"); o != "" && !strings.EqualFold(o, h.origin()) {
		return false
	}
	key := cleanSubmissionKey(v.Get("submission"))
	at, ok := h.stamper.servedAt(v.Get(stampField), key)
	return ok && now.Sub(at) <= stampMaxAge && at.Before(now.Add(time.Minute))
}

// origin is BASE_URL's origin, as a browser writes it in Origin.
func (h *Handlers) origin() string {
	return h.BaseURL.Scheme + "://" + h.BaseURL.Host
}

// EmbedResult shows a result in the frame, compact, with a link to the
// full result page in a new tab.
func (h *Handlers) EmbedResult(c echo.Context) error {
	noStore(c)
	token := c.Param("token")
	page, err := h.resultView(c, token)
	if err != nil {
		return err
	}
	page.Embed = h.embedFor(c, c.QueryParam(parentField))
	page.FullResult = h.absURL("/results/" + url.PathEscape(token))
	return renderCompressed(c, "embed/result", page)
}
