package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// UserList is being built.
func (h *Handlers) UserList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

// AddUser is being built.
func (h *Handlers) AddUser(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

// UpdateUser is being built.
func (h *Handlers) UpdateUser(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }
