package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync/atomic"
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
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}),
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

// The headers every response carries, each value made once: assigning a
// ready slice into the header map costs no allocation per request.
var (
	cspValue         = []string{contentSecurityPolicy}
	nosniffValue     = []string{"nosniff"}
	referrerValue    = []string{"strict-origin-when-cross-origin"}
	permissionsValue = []string{"camera=(), microphone=(), geolocation=(), interest-cohort=()"}
	frameValue       = []string{"DENY"}
	hstsValue        = []string{"max-age=31536000; includeSubDomains"}
)

// securityHeaders sets the headers every response carries.
func (h *Handlers) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	https := h.BaseURL.Scheme == "https"
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		// Canonical names, so nothing needs canonicalising per request.
		hdr["Content-Security-Policy"] = cspValue
		hdr["X-Content-Type-Options"] = nosniffValue
		hdr["Referrer-Policy"] = referrerValue
		hdr["Permissions-Policy"] = permissionsValue
		hdr["X-Frame-Options"] = frameValue
		if https {
			hdr["Strict-Transport-Security"] = hstsValue
		}
		return next(c)
	}
}

// requestIDPrefix makes this process's request ids unlike another's.
var requestIDPrefix = func() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "-"
}()

var requestCount atomic.Uint64

// newRequestID names a request in the logs: unique, and cheaper than
// reading 32 random characters for each request. It is not a secret.
func newRequestID() string {
	var b [32]byte
	n := copy(b[:], requestIDPrefix)
	return string(strconv.AppendUint(b[:n], requestCount.Add(1), 36))
}

// noStore marks a response as private to the visitor and never cached.
func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}
