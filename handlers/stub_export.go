package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// ExportPage is being built.
func (h *Handlers) ExportPage(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// ExportCSV is being built.
func (h *Handlers) ExportCSV(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

// ExportXLSX is being built.
func (h *Handlers) ExportXLSX(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}
