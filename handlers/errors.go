package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

type errorPage struct {
	Meta    views.Meta
	Status  int
	Heading string
	Message string
}

// friendly holds what a visitor reads for each status we send.
var friendly = map[int][2]string{
	http.StatusBadRequest:            {"We couldn’t read that request", "Something in what your browser sent was malformed. Please go back and try again."},
	http.StatusForbidden:             {"That isn’t allowed", "This page can’t be used that way. Please go back and try again."},
	http.StatusNotFound:              {"We couldn’t find that page", "The address may be mistyped, or the page may have moved. A result link only works exactly as it was sent."},
	http.StatusMethodNotAllowed:      {"That isn’t allowed", "This page can’t be used that way."},
	http.StatusRequestEntityTooLarge: {"That was more than we can accept", "The form sent far more text than the questions need. Please shorten your answers and try again."},
	http.StatusUnsupportedMediaType:  {"We couldn’t read that request", "Please submit the form from the page itself."},
	http.StatusTooManyRequests:       {"Too many tries", "Please wait a minute and try again."},
	http.StatusServiceUnavailable:    {"We’ll be right back", "The site is briefly unavailable. Please try again in a minute."},
}

// handleError is the one place that turns errors into responses: it logs
// server faults with the request id and shows a friendly page, or, for
// the JSON API, a problem document (RFC 9457).
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	var (
		he      *echo.HTTPError
		problem *apiProblem
	)
	switch {
	case errors.Is(err, models.ErrNotFound):
		code = http.StatusNotFound
	case errors.As(err, &he):
		code = he.Code
	case errors.As(err, &problem):
		code = problem.Status
	}
	if code >= 500 && err != errBusy {
		h.Logger.Error("request failed",
			slog.String("id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("route", c.Path()),
			slog.Any("error", err))
	}
	if (code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable) && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", "60")
	}
	if isAPI(c.Request().URL.Path) {
		h.writeProblem(c, code, err)
		return
	}
	text, ok := friendly[code]
	if !ok {
		text = [2]string{"Something went wrong on our side", "We have been told about it. Please try again in a few minutes."}
		if code < 500 {
			text = [2]string{"We couldn’t do that", http.StatusText(code)}
		}
	}
	noStore(c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	page := errorPage{Meta: views.Meta{Title: text[0] + " — StellaPop", NoIndex: true}, Status: code, Heading: text[0], Message: text[1]}
	if rerr := c.Render(code, "error", page); rerr != nil {
		h.Logger.Error("render error page", slog.Any("error", rerr))
		_ = c.String(code, text[0])
	}
}
