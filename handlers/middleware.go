package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows only our own scripts, styles and images,
// and no site to show the page in a frame.
const contentSecurityPolicy = cspSources + "frame-ancestors 'none'"

// cspSources is the policy but for who may frame the page: the embedded
// diagnostic's policy differs only there (see embedPolicy).
const cspSources = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "

// frame is the one middleware every request passes through. It names the
// request, sets the headers every response carries, turns a panic into a
// 500 page, and logs and counts the request when it ends.
//
// It does in one function what Echo's RequestID, RequestLogger and Recover
// did in a row: Echo wraps its middleware around the handler again for
// every request, and under load the article's profile showed those
// wrappers and their bookkeeping as the largest cost of the portal's own.
func (h *Handlers) frame(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req, res := c.Request(), c.Response()
		id := firstValue(req.Header, echo.HeaderXRequestID)
		if !IsRequestID(id) {
			id = newRequestID()
		}
		hdr := res.Header()
		// Canonical names and ready values: assigning them straight into
		// the map costs nothing per request.
		hdr[echo.HeaderXRequestID] = []string{id}
		hdr["Content-Security-Policy"] = cspValue
		hdr["X-Content-Type-Options"] = nosniffValue
		hdr["Referrer-Policy"] = referrerValue
		hdr["Permissions-Policy"] = permissionsValue
		hdr["X-Frame-Options"] = frameValue
		if h.https {
			hdr["Strict-Transport-Security"] = hstsValue
		}
		if err := recovering(next, c); err != nil {
			c.Error(err)
		}
		// Only a 503 can be a refusal: other answers skip the look.
		refused := res.Status == http.StatusServiceUnavailable && refusedUnderLoad(c)
		h.logRequest(id, req.Method, c.Path(), res.Status, refused, start, time.Now())
		return nil
	}
}

// recovering runs next, turning a panic into the error it carries.
// http.ErrAbortHandler is the handler's way of dropping the connection,
// so it goes on up to the server.
func recovering(next echo.HandlerFunc, c echo.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	return next(c)
}

// logRequest logs one line per request with its route pattern, never the
// raw path or query: result tokens and campaign details stay out of logs.
// The same values feed the request metrics.
//
// A server error is logged at error level, except a request the shedder
// refused under load: that is the server doing as designed, so it is a
// warning, and a flood of them does not read as a flood of faults.
//
// The record goes straight to the handler: Logger.LogAttrs would also walk
// the stack for the caller's position, which no handler here prints, on
// every request.
func (h *Handlers) logRequest(id, method, route string, status int, refused bool, start, end time.Time) {
	latency := end.Sub(start)
	level := slog.LevelInfo
	switch {
	case refused:
		level = slog.LevelWarn
	case status >= 500:
		level = slog.LevelError
	}
	ctx := context.Background()
	if lh := h.Logger.Handler(); lh.Enabled(ctx, level) {
		r := slog.NewRecord(end, level, "request", 0)
		r.AddAttrs(
			slog.String("id", id),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("latency", latency.Round(time.Microsecond)),
		)
		_ = lh.Handle(ctx, r) // a log that cannot be written has nowhere to report it
	}
	// A route of the table has its series at hand; anything else (no
	// route matched) is looked up.
	if rr := h.requests[routeKey{method, route}]; rr != nil {
		rr.Observe(status, latency)
		return
	}
	h.Metrics.ObserveRequest(method, route, status, latency)
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

// requestIDPrefix makes this process's request ids unlike another's.
var requestIDPrefix = func() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "-"
}()

var requestCount atomic.Uint64

// maxRequestIDLen is the longest X-Request-ID a client may give: room for
// a UUID, a trace id or one of ours, and no more.
const maxRequestIDLen = 64

// IsRequestID reports whether a client's X-Request-ID may name the request
// in the response and the logs: 1 to maxRequestIDLen of A-Z, a-z, 0-9,
// '.', '_' and '-'. Anything else (spaces, line breaks, quotes, markup,
// non-ASCII) could forge or break a log line, so it gets a fresh id. A
// byte loop, as it runs on every request. deploy/nginx.conf keeps a
// client's id by the same rule, which deploy's tests hold it to.
func IsRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

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
