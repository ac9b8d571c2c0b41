package handlers

import (
	"github.com/labstack/echo/v4"
)

// ArticlePath is where the firm's article lives.
const ArticlePath = "/articles/leadership-vs-management"

// routes registers every route in one table, each with its access rule.
// Public pages need no sign-in; forms carry a CSRF token.
func (h *Handlers) routes(e *echo.Echo) {
	e.Use(h.middleware()...)

	formPage := h.csrf.middleware(h.diagnosticExpired)

	// Public: the article and the diagnostic.
	e.GET("/", h.ShowArticle)
	e.GET(ArticlePath, h.ShowArticle)
	e.GET("/diagnostic", h.DiagnosticForm, formPage)
	e.POST("/diagnostic", h.SubmitDiagnostic, formPage)
	e.GET("/results/:token", h.Result)

	// Public, authorised by the link's signature: one-click unsubscribe.
	e.GET("/unsubscribe/:token", h.UnsubscribeForm)
	e.POST("/unsubscribe/:token", h.Unsubscribe)

	// Assets and operations.
	e.GET("/static/*", h.Static)
	e.GET("/favicon.ico", h.Favicon)
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
}
