package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Privacy is being built.
func (h *Handlers) Privacy(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

// EraseLeadForm is being built.
func (h *Handlers) EraseLeadForm(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// EraseLead is being built.
func (h *Handlers) EraseLead(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// LeadData is being built.
func (h *Handlers) LeadData(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
