package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// LeadPage is being built.
func (h *Handlers) LeadPage(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// SetLeadStatus is being built.
func (h *Handlers) SetLeadStatus(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// SetLeadOwner is being built.
func (h *Handlers) SetLeadOwner(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// SetLeadFollowUp is being built.
func (h *Handlers) SetLeadFollowUp(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// AddLeadNote is being built.
func (h *Handlers) AddLeadNote(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// ResendLeadEmail is being built.
func (h *Handlers) ResendLeadEmail(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
