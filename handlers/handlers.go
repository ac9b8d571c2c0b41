// Package handlers is Intake's HTTP layer: routes, middleware, the central
// error handler and one file per area of the site.
package handlers

import (
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/report"
	"github.com/stellapop/intake/static"
	"github.com/stellapop/intake/views"
	"github.com/stellapop/intake/webhook"
)

// Deps is everything the handlers need, built once by cmd/intake.
type Deps struct {
	Store      *models.Store
	Article    *content.Article
	Diagnostic *diagnostic.Definition
	Consent    *diagnostic.Consent
	Assets     *static.Assets
	Logger     *slog.Logger
	// OnLeadSaved runs inside the transaction that saves a lead: it queues
	// the lead's emails, so both commit or neither does.
	OnLeadSaved models.TxHook
	// QueueEmail queues one email again, for the lead page's "send again".
	QueueEmail models.EmailHook
	// Webhooks sends test events and delivers a logged delivery again, for
	// the integrations page; nil: the page says sending is unavailable.
	Webhooks WebhookSender
	// WebhookRules check the endpoints admins add and change on the
	// integrations page.
	WebhookRules webhook.EndpointRules
	// Funnel counts the funnel's steps without cookies; nil counts nothing.
	Funnel *FunnelCounter
	// Metrics counts requests and saved leads for Prometheus; nil counts
	// nothing. ServeMetrics serves them at /admin/metrics to admins; when
	// false (they are served on METRICS_ADDR instead) that is a 404.
	Metrics      *metrics.Metrics
	ServeMetrics bool

	SessionIdle    time.Duration // a session unused this long ends (default 2h)
	SessionMaxAge  time.Duration // a session ends this long after sign-in (default 12h)
	TrustedProxies []*net.IPNet  // proxies whose X-Forwarded-For is believed
	// RetentionDays is how long leads are kept before they are anonymised.
	RetentionDays int
	// LoginDelay is the first slow-down after repeated sign-in failures
	// (default 250 ms); it doubles with each further failure, up to 16×.
	LoginDelay time.Duration

	BaseURL    *url.URL // absolute, without a trailing slash
	BookingURL string   // where "Book a conversation" leads
	Secret     []byte   // signs CSRF tokens
	BodyLimit  string   // largest request body, e.g. "64K"

	// CalComSecret and CalendlySigningKey check the scheduling services'
	// booking webhooks; each receiver is not found while its key is empty.
	CalComSecret       []byte
	CalendlySigningKey []byte

	// SubmitMinDelay is the least time a person takes between being served
	// the diagnostic and sending it; a form sent sooner, or with a missing or
	// stale stamp, is quarantined. Zero turns the timing checks off.
	SubmitMinDelay time.Duration
	// InFlightLimit is how many requests that use the database are served
	// at once (default 20); ShedWait is how long one more waits for a turn
	// (default 250 ms) before it is refused with a 503 and Retry-After.
	InFlightLimit int
	ShedWait      time.Duration

	// EmbedOrigins are the origins (as framing.ParseOrigins writes them)
	// allowed to show the diagnostic in a frame at /embed/diagnostic;
	// none: that address answers 404.
	EmbedOrigins []string

	// SubmitRateLimit is how many diagnostic submissions, and separately how
	// many sign-in attempts, one client may send a minute; zero: no limit.
	SubmitRateLimit int
	// APIRateLimit is how many requests one API token may make a minute;
	// zero: no limit.
	APIRateLimit int

	// The team view. OnInvited queues new invitations' emails and
	// OnTeamUnlocked the inviter's email, each in the transaction that
	// causes it. TeamMinAnswers is the TEAM_MIN_ANSWERS setting (never
	// below team.MinAnswers); InviteRateLimit is how many invitation
	// lists a client address, and separately a lead, may send a minute.
	OnInvited       models.InviteHook
	OnTeamUnlocked  models.UnlockHook
	TeamMinAnswers  int
	InviteRateLimit int

	// Peers compares a result with the others of its version, for the
	// result page and its PDF; nil shows no benchmark.
	Peers *peer.Comparer
}

// Handlers serves every route; its methods are the handlers.
type Handlers struct {
	Deps
	csrf        *csrfGuard
	stamper     formStamper
	submitLimit requestLimiter
	loginLimit  requestLimiter
	stepLimit   requestLimiter // beacons of the steps reached (diagnostic_steps.go)
	// inviteClientLimit and inviteLeadLimit limit invitation lists per
	// client address and per inviting lead.
	inviteClientLimit requestLimiter
	inviteLeadLimit   requestLimiter
	articlePage       *preparedArticle // the article, rendered once
	emptyForm         *spliced         // the empty diagnostic, rendered once
	busyForm          *spliced         // the diagnostic refused under load, rendered once
	shed              *shedder
	secretFlash       *secretFlash  // a new webhook secret on its way to be shown once
	reports           *report.Maker // the result PDF and the call brief
	apiLimit          requestLimiter
	tokenFlash        *secretFlash // a new API token on its way to be shown once
	// requests counts each route's requests, found by method and route
	// pattern; set once by routes, only read after.
	requests map[routeKey]*metrics.RouteRequests
	https    bool // BASE_URL is https: responses carry HSTS
	// embedCSP is the embedded diagnostic's Content-Security-Policy,
	// naming EmbedOrigins in frame-ancestors; nil when there are none.
	embedCSP []string
}

// NewServer builds the Echo server with its middleware, error handler,
// templates and routes.
func NewServer(d Deps) (*echo.Echo, error) {
	e, _, err := newServer(d)
	return e, err
}

func newServer(d Deps) (*echo.Echo, *Handlers, error) {
	if d.Store == nil || d.Article == nil || d.Diagnostic == nil || d.Consent == nil || d.Assets == nil || d.BaseURL == nil {
		return nil, nil, errors.New("handlers: missing dependency")
	}
	if len(d.Secret) < 32 {
		return nil, nil, errors.New("handlers: secret must be at least 32 bytes")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.BodyLimit == "" {
		d.BodyLimit = "64K"
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = 2 * time.Hour
	}
	if d.LoginDelay <= 0 {
		d.LoginDelay = 250 * time.Millisecond
	}
	if d.SessionMaxAge <= 0 {
		d.SessionMaxAge = 12 * time.Hour
	}
	renderer, err := views.New(template.FuncMap{"asset": d.Assets.URL})
	if err != nil {
		return nil, nil, err
	}
	h := &Handlers{Deps: d, https: d.BaseURL.Scheme == "https"}
	h.csrf = newCSRFGuard(d.Secret, h.https)
	h.stamper = newFormStamper(d.Secret)
	h.secretFlash = newSecretFlash(d.Secret, h.https)
	h.tokenFlash = newTokenFlash(d.Secret, h.https)
	h.submitLimit = newRequestLimiter(d.Store, limitSubmit, d.SubmitRateLimit)
	h.inviteClientLimit = newRequestLimiter(d.Store, limitInviteClient, d.InviteRateLimit)
	h.inviteLeadLimit = newRequestLimiter(d.Store, limitInviteLead, d.InviteRateLimit)
	h.loginLimit = newRequestLimiter(d.Store, limitLogin, d.SubmitRateLimit)
	h.stepLimit = newRequestLimiter(d.Store, limitSteps, stepLimitPerMinute(d.Diagnostic, d.SubmitRateLimit))
	h.apiLimit = newRequestLimiter(d.Store, limitAPI, d.APIRateLimit)
	if h.articlePage, err = h.prepareArticle(renderer); err != nil {
		return nil, nil, err
	}
	if h.emptyForm, err = h.prepareDiagnostic(renderer); err != nil {
		return nil, nil, err
	}
	if h.busyForm, err = h.prepareBusyForm(renderer); err != nil {
		return nil, nil, err
	}
	h.shed = newShedder(d.InFlightLimit, d.ShedWait)
	h.embedCSP = embedPolicy(d.EmbedOrigins)
	if h.reports, err = report.New(); err != nil {
		return nil, nil, err
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Renderer = renderer
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = clientIP(d.TrustedProxies)
	h.routes(e)
	return e, h, nil
}

// absURL turns a site path into an absolute URL on BASE_URL.
func (h *Handlers) absURL(path string) string {
	return h.BaseURL.String() + path
}
