package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func notYet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

// Dashboard is being built.
func (h *Handlers) Dashboard(c echo.Context) error { return notYet(c) }

// LeadInbox is being built.
func (h *Handlers) LeadInbox(c echo.Context) error { return notYet(c) }

// LeadPage is being built.
func (h *Handlers) LeadPage(c echo.Context) error { return notYet(c) }

// SetLeadStatus is being built.
func (h *Handlers) SetLeadStatus(c echo.Context) error { return notYet(c) }

// SetLeadOwner is being built.
func (h *Handlers) SetLeadOwner(c echo.Context) error { return notYet(c) }

// SetLeadFollowUp is being built.
func (h *Handlers) SetLeadFollowUp(c echo.Context) error { return notYet(c) }

// AddLeadNote is being built.
func (h *Handlers) AddLeadNote(c echo.Context) error { return notYet(c) }

// ResendLeadEmail is being built.
func (h *Handlers) ResendLeadEmail(c echo.Context) error { return notYet(c) }

// UserList is being built.
func (h *Handlers) UserList(c echo.Context) error { return notYet(c) }

// AddUser is being built.
func (h *Handlers) AddUser(c echo.Context) error { return notYet(c) }

// UpdateUser is being built.
func (h *Handlers) UpdateUser(c echo.Context) error { return notYet(c) }
