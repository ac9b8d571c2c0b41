package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Dashboard is being built.
func (h *Handlers) Dashboard(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
