package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/models"
)

// ArticlePath is where the firm's article lives.
const ArticlePath = "/articles/leadership-vs-management"

// Access says who may use a route: everyone (Public), or signed-in users
// with one of Roles.
type Access struct {
	Public bool
	Roles  []string
	// Signed routes are for machines: open to any caller, with no session
	// and no form token, and the handler refuses every request its sender's
	// signature does not check out on.
	Signed bool
}

// Allows reports whether a user with role may use the route.
func (a Access) Allows(role string) bool {
	if a.Public {
		return true
	}
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

var (
	public    = Access{Public: true}
	staff     = Access{Roles: []string{models.RoleAdmin, models.RoleConsultant, models.RoleMarketing}}
	leadsTeam = Access{Roles: []string{models.RoleAdmin, models.RoleConsultant}}
	admins    = Access{Roles: []string{models.RoleAdmin}}
	exporters = Access{Roles: []string{models.RoleAdmin, models.RoleMarketing}}
	// reporters read the insight reports; consultants have the dashboard.
	reporters = Access{Roles: []string{models.RoleAdmin, models.RoleMarketing}}
	// signedBySender: another service's webhook, authorised by its signature.
	signedBySender = Access{Public: true, Signed: true}
)

// Route is one row of the route table.
type Route struct {
	Method, Path string
	Access       Access
	// Scope is the scope an API token needs, besides a role Access
	// allows. API routes (under /api/) authenticate by bearer token only,
	// never by the session cookie, and carry no CSRF token.
	Scope string
	// Form routes carry a CSRF token: GET issues it, other methods check it.
	Form bool
	// Cheap routes are served from memory and never refused under load;
	// every other route uses the database and is shed when too many wait.
	Cheap bool
	// Embed routes are the diagnostic as other sites frame it: they may be
	// framed by EMBED_ORIGINS, and answer 404 when it is empty.
	Embed   bool
	handler echo.HandlerFunc
	onCSRF  echo.HandlerFunc // shows the form again on a stale token; nil: an error page
	onBusy  echo.HandlerFunc // answers a request shed under load; nil: a 503 page
}

// table is the one list of routes and who may use them. A route that is
// not here is not served; access_test.go writes out, route by route, what
// every role must get, so changing a rule here means changing it there.
func (h *Handlers) table() []Route {
	return []Route{
		// The public site.
		{Method: "GET", Path: "/", Access: public, Cheap: true, handler: h.ShowArticle},
		{Method: "HEAD", Path: "/", Access: public, Cheap: true, handler: h.ShowArticle},
		{Method: "GET", Path: ArticlePath, Access: public, Cheap: true, handler: h.ShowArticle},
		{Method: "HEAD", Path: ArticlePath, Access: public, Cheap: true, handler: h.ShowArticle},
		{Method: "GET", Path: "/diagnostic", Access: public, Form: true, Cheap: true, handler: h.DiagnosticForm, onCSRF: h.diagnosticExpired},
		{Method: "POST", Path: "/diagnostic", Access: public, Form: true, handler: h.SubmitDiagnostic, onCSRF: h.diagnosticExpired, onBusy: h.diagnosticBusy},
		// The script's beacon of each step reached: no CSRF token, checked
		// by origin instead (see CountStep).
		{Method: "POST", Path: stepsPath, Access: public, handler: h.CountStep},
		{Method: "GET", Path: "/results/:token", Access: public, Form: true, handler: h.Result},
		// The team view: the inviter invites colleagues from the result
		// page; each answers at their own link; the team's pooled report.
		{Method: "POST", Path: "/results/:token/team/invite", Access: public, Form: true, handler: h.InviteTeam},
		{Method: "GET", Path: "/results/:token/team", Access: public, handler: h.TeamReport},
		{Method: "GET", Path: "/team/thanks", Access: public, Cheap: true, handler: h.TeamThanks},
		{Method: "GET", Path: "/team/:token", Access: public, Form: true, handler: h.TeamAnswerForm},
		{Method: "POST", Path: "/team/:token", Access: public, Form: true, handler: h.SubmitTeamAnswer},
		// Authorised by the link's unguessable token: "never email me again".
		{Method: "GET", Path: "/team/:token/never-email", Access: public, handler: h.NeverEmailForm},
		{Method: "POST", Path: "/team/:token/never-email", Access: public, handler: h.NeverEmail},
		// The diagnostic framed on the firm's other sites. No CSRF cookie:
		// a frame from another site often may not keep one, so the POST is
		// bound to the form's signed stamp instead (see embedCSRF).
		{Method: "GET", Path: "/embed/diagnostic", Access: public, Embed: true, Cheap: true, handler: h.EmbedDiagnosticForm},
		{Method: "POST", Path: "/embed/diagnostic", Access: public, Embed: true, handler: h.SubmitEmbedDiagnostic, onBusy: h.embedDiagnosticBusy},
		{Method: "GET", Path: "/embed/results/:token", Access: public, Embed: true, handler: h.EmbedResult},
		{Method: "GET", Path: "/results/:token/report.pdf", Access: public, handler: h.ResultPDF},
		{Method: "GET", Path: "/privacy", Access: public, Cheap: true, handler: h.Privacy},
		// Authorised by the link's signature: one-click unsubscribe.
		{Method: "GET", Path: "/unsubscribe/:token", Access: public, handler: h.UnsubscribeForm},
		{Method: "POST", Path: "/unsubscribe/:token", Access: public, handler: h.Unsubscribe},

		// Scheduling services telling us of meetings (off without their secret).
		{Method: "POST", Path: "/hooks/bookings/cal", Access: signedBySender, handler: h.CalBooking},
		{Method: "POST", Path: "/hooks/bookings/calendly", Access: signedBySender, handler: h.CalendlyBooking},

		// Signing in and out.
		{Method: "GET", Path: "/admin/login", Access: public, Form: true, handler: h.LoginForm},
		{Method: "POST", Path: "/admin/login", Access: public, Form: true, handler: h.Login, onCSRF: h.loginExpired},
		{Method: "POST", Path: "/admin/logout", Access: staff, Form: true, handler: h.Logout},

		// The workspace.
		{Method: "GET", Path: "/admin", Access: staff, Form: true, handler: h.Dashboard},
		{Method: "GET", Path: "/admin/leads", Access: staff, Form: true, handler: h.LeadInbox},
		{Method: "GET", Path: "/admin/leads/:id", Access: leadsTeam, Form: true, handler: h.LeadPage},
		{Method: "GET", Path: "/admin/leads/:id/brief.pdf", Access: leadsTeam, handler: h.LeadBrief},
		{Method: "POST", Path: "/admin/leads/:id/status", Access: leadsTeam, Form: true, handler: h.SetLeadStatus},
		{Method: "POST", Path: "/admin/leads/:id/owner", Access: leadsTeam, Form: true, handler: h.SetLeadOwner},
		{Method: "POST", Path: "/admin/leads/:id/follow-up", Access: leadsTeam, Form: true, handler: h.SetLeadFollowUp},
		{Method: "POST", Path: "/admin/leads/:id/notes", Access: leadsTeam, Form: true, handler: h.AddLeadNote},
		{Method: "POST", Path: "/admin/leads/:id/emails/:kind/resend", Access: leadsTeam, Form: true, handler: h.ResendLeadEmail},
		{Method: "GET", Path: "/admin/leads/:id/erase", Access: admins, Form: true, handler: h.EraseLeadForm},
		{Method: "POST", Path: "/admin/leads/:id/erase", Access: admins, Form: true, handler: h.EraseLead},
		{Method: "GET", Path: "/admin/leads/:id/data.json", Access: admins, handler: h.LeadData},
		{Method: "GET", Path: "/admin/export", Access: exporters, Form: true, handler: h.ExportPage},
		{Method: "GET", Path: "/admin/export.csv", Access: exporters, handler: h.ExportCSV},
		{Method: "GET", Path: "/admin/export.xlsx", Access: exporters, handler: h.ExportXLSX},
		{Method: "GET", Path: "/admin/insights", Access: reporters, handler: h.Insights},
		{Method: "GET", Path: "/admin/insights/campaigns", Access: reporters, Form: true, handler: h.CampaignResults},
		{Method: "GET", Path: "/admin/insights/campaigns.csv", Access: reporters, handler: h.CampaignResultsCSV},
		{Method: "GET", Path: "/admin/insights/answers", Access: reporters, Form: true, handler: h.AnswerPatterns},
		{Method: "GET", Path: "/admin/insights/answers.csv", Access: reporters, handler: h.AnswerPatternsCSV},
		{Method: "GET", Path: "/admin/insights/outcomes", Access: reporters, Form: true, handler: h.ScoreOutcomes},
		{Method: "GET", Path: "/admin/insights/outcomes.csv", Access: reporters, handler: h.ScoreOutcomesCSV},
		{Method: "GET", Path: "/admin/quarantine", Access: admins, Form: true, handler: h.Quarantine},
		{Method: "POST", Path: "/admin/quarantine/:id/release", Access: admins, Form: true, handler: h.ReleaseQuarantined},
		{Method: "POST", Path: "/admin/quarantine/:id/delete", Access: admins, Form: true, handler: h.DeleteQuarantined},
		{Method: "GET", Path: "/admin/users", Access: admins, Form: true, handler: h.UserList},
		{Method: "POST", Path: "/admin/users", Access: admins, Form: true, handler: h.AddUser},
		{Method: "POST", Path: "/admin/users/:id", Access: admins, Form: true, handler: h.UpdateUser},
		// Everyone's own API tokens; admins see and revoke everyone's.
		{Method: "GET", Path: "/admin/tokens", Access: staff, Form: true, handler: h.TokenList},
		{Method: "POST", Path: "/admin/tokens", Access: staff, Form: true, handler: h.AddToken},
		{Method: "POST", Path: "/admin/tokens/:id/revoke", Access: staff, Form: true, handler: h.RevokeToken},
		{Method: "GET", Path: "/admin/integrations", Access: admins, Form: true, handler: h.IntegrationList},
		{Method: "POST", Path: "/admin/integrations", Access: admins, Form: true, handler: h.AddIntegration},
		{Method: "GET", Path: "/admin/integrations/:id", Access: admins, Form: true, handler: h.IntegrationPage},
		{Method: "POST", Path: "/admin/integrations/:id", Access: admins, Form: true, handler: h.UpdateIntegration},
		{Method: "POST", Path: "/admin/integrations/:id/disable", Access: admins, Form: true, handler: h.DisableIntegration},
		{Method: "POST", Path: "/admin/integrations/:id/enable", Access: admins, Form: true, handler: h.EnableIntegration},
		{Method: "POST", Path: "/admin/integrations/:id/rotate-secret", Access: admins, Form: true, handler: h.RotateIntegrationSecret},
		{Method: "POST", Path: "/admin/integrations/:id/test", Access: admins, Form: true, handler: h.SendTestEvent},
		{Method: "POST", Path: "/admin/integrations/:id/deliveries/:delivery/send-again", Access: admins, Form: true, handler: h.SendDeliveryAgain},

		// The JSON API: a token's user's role, narrowed by its scopes.
		{Method: "GET", Path: "/api/v1/openapi.json", Access: public, Cheap: true, handler: h.OpenAPIDocument},
		{Method: "GET", Path: "/api/v1/leads", Access: staff, Scope: models.ScopeLeadsRead, handler: h.APILeads},
		{Method: "GET", Path: "/api/v1/leads/:id", Access: leadsTeam, Scope: models.ScopeLeadsRead, handler: h.APILead},
		{Method: "PATCH", Path: "/api/v1/leads/:id", Access: leadsTeam, Scope: models.ScopeLeadsWrite, handler: h.APIChangeLead},
		{Method: "POST", Path: "/api/v1/leads/:id/notes", Access: leadsTeam, Scope: models.ScopeLeadsWrite, handler: h.APIAddNote},
		{Method: "GET", Path: "/api/v1/contacts", Access: exporters, Scope: models.ScopeContactsRead, handler: h.APIContacts},

		// Assets and operations.
		{Method: "GET", Path: "/static/*", Access: public, Cheap: true, handler: h.Static},
		{Method: "HEAD", Path: "/static/*", Access: public, Cheap: true, handler: h.Static},
		{Method: "GET", Path: "/favicon.ico", Access: public, Cheap: true, handler: h.Favicon},
		{Method: "HEAD", Path: "/favicon.ico", Access: public, Cheap: true, handler: h.Favicon},
		{Method: "GET", Path: "/healthz", Access: public, Cheap: true, handler: h.Healthz},
		{Method: "GET", Path: "/readyz", Access: public, handler: h.Readyz},
		{Method: "GET", Path: "/admin/metrics", Access: admins, handler: h.Scrape},
	}
}

// RouteTable lists every route with its access rule, for tests and docs.
func RouteTable() []Route {
	return (&Handlers{}).table()
}

// routes registers the table with the middleware each row asks for.
//
// Each row's chain is put together once, here. Echo would wrap a route's
// middleware around its handler again on every request.
func (h *Handlers) routes(e *echo.Echo) {
	e.Use(h.frame)
	bodyLimit := middleware.BodyLimit(h.BodyLimit)
	h.requests = map[routeKey]*metrics.RouteRequests{}
	for _, r := range h.table() {
		if rr := h.Metrics.Route(r.Method, r.Path); rr != nil {
			h.requests[routeKey{r.Method, r.Path}] = rr
		}
		var mw []echo.MiddlewareFunc
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mw = append(mw, bodyLimit)
		}
		if r.Embed {
			mw = append(mw, h.embeddable)
		}
		switch {
		case r.Access.Public:
		case isAPI(r.Path):
			mw = append(mw, h.requireToken(r.Access, r.Scope))
		default:
			mw = append(mw, h.requireRole(r.Access))
		}
		if r.Form {
			onFail := r.onCSRF
			if onFail == nil {
				onFail = formExpired
			}
			mw = append(mw, h.csrf.middleware(onFail))
		}
		if !r.Cheap {
			// Innermost, so a form refused under load comes back with a
			// valid CSRF token.
			mw = append(mw, h.shed.middleware(r.onBusy))
		}
		e.Add(r.Method, r.Path, wrap(r.handler, mw...))
	}
}

// routeKey names a route by its method and pattern, as Echo matched it.
type routeKey struct {
	method, path string
}

// wrap puts mw around next, the first outermost.
func wrap(next echo.HandlerFunc, mw ...echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		next = mw[i](next)
	}
	return next
}
