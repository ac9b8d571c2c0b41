package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// LeadInbox is being built.
func (h *Handlers) LeadInbox(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
