package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// contentSecurityPolicy allows only our own scripts, styles and images.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// middleware is the chain every request passes through, outermost first.
func (h *Handlers) middleware() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{
		middleware.RequestID(),
		h.requestLog(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}),
		h.securityHeaders,
		middleware.BodyLimit(h.BodyLimit),
	}
}

// requestLog logs one line per request with its route pattern, never the
// raw path or query: result tokens and campaign details stay out of logs.
// The same values feed the request metrics.
func (h *Handlers) requestLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogLatency:   true,
		LogRequestID: true,
		LogMethod:    true,
		LogRoutePath: true,
		HandleError:  true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			h.Logger.LogAttrs(context.Background(), level, "request",
				slog.String("id", v.RequestID),
				slog.String("method", v.Method),
				slog.String("route", v.RoutePath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency.Round(time.Microsecond)),
			)
			h.Metrics.ObserveRequest(v.Method, v.RoutePath, v.Status, v.Latency)
			return nil
		},
	})
}

// securityHeaders sets the headers every response carries.
func (h *Handlers) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	https := h.BaseURL.Scheme == "https"
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hdr.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		hdr.Set("X-Frame-Options", "DENY")
		if https {
			hdr.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// noStore marks a response as private to the visitor and never cached.
func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}
