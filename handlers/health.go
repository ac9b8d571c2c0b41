package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Healthz answers while the process is alive.
func (h *Handlers) Healthz(c echo.Context) error {
	noStore(c)
	return c.String(http.StatusOK, "ok\n")
}

// Readyz answers 200 while the database is reachable, 503 otherwise, so a
// load balancer sends visitors only to instances that can save their answers.
func (h *Handlers) Readyz(c echo.Context) error {
	noStore(c)
	if err := h.Store.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unreachable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
