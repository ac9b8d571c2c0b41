package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

// What a lead page's forms say when a value can't be used.
const (
	msgStatus   = "Choose a status from the list."
	msgOwner    = "Choose someone from the list, or Unassigned. Only active admins and consultants can own a lead."
	msgFollowUp = "Enter the date as year-month-day, for example 2026-03-31, or leave it empty to clear it."
)

// pipelineChange is what every form that changes a lead sends: the lead
// in the address and the version of it the form was built from.
type pipelineChange struct {
	LeadID  int64
	Version int
}

// readPipelineChange reads the lead and the form's version. A missing or
// garbled version is not from our page: a bad request, not a stale form.
func readPipelineChange(c echo.Context) (pipelineChange, error) {
	id, err := parseLeadID(c)
	if err != nil {
		return pipelineChange{}, err
	}
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return pipelineChange{}, echo.NewHTTPError(http.StatusBadRequest, "the form has no valid lead version")
	}
	return pipelineChange{LeadID: id, Version: v}, nil
}

// afterChange answers a change the store was asked to make: back to the
// lead with its notice, or, if someone else changed the lead first, with
// the stale notice, so the person sees the lead as it is and decides again.
func afterChange(c echo.Context, id int64, notice string, err error) error {
	if errors.Is(err, models.ErrStale) {
		notice = "stale"
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, leadPath(id)+"?notice="+notice)
}

// SetLeadStatus moves a lead along the pipeline.
func (h *Handlers) SetLeadStatus(c echo.Context) error {
	ch, err := readPipelineChange(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	if !models.ValidStatus(status) {
		return h.renderLeadAgain(c, ch.LeadID, leadForms{StatusError: msgStatus})
	}
	err = h.Store.SetLeadStatus(c.Request().Context(), ch.LeadID, ch.Version, status, currentUser(c).ID)
	return afterChange(c, ch.LeadID, "status", err)
}

// SetLeadOwner gives a lead to an admin or consultant, or to nobody.
func (h *Handlers) SetLeadOwner(c echo.Context) error {
	ch, err := readPipelineChange(c)
	if err != nil {
		return err
	}
	var owner *int64
	if v := c.FormValue("owner"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return h.renderLeadAgain(c, ch.LeadID, leadForms{OwnerError: msgOwner})
		}
		owner = &id
	}
	err = h.Store.SetLeadOwner(c.Request().Context(), ch.LeadID, ch.Version, owner, currentUser(c).ID)
	if errors.Is(err, models.ErrNotAssignable) {
		return h.renderLeadAgain(c, ch.LeadID, leadForms{OwnerError: msgOwner})
	}
	return afterChange(c, ch.LeadID, "owner", err)
}

// SetLeadFollowUp sets the date to follow a lead up; empty clears it.
func (h *Handlers) SetLeadFollowUp(c echo.Context) error {
	ch, err := readPipelineChange(c)
	if err != nil {
		return err
	}
	on := strings.TrimSpace(c.FormValue("follow_up"))
	if !models.ValidFollowUp(on) {
		return h.renderLeadAgain(c, ch.LeadID, leadForms{FollowUp: on, FollowUpError: msgFollowUp})
	}
	err = h.Store.SetLeadFollowUp(c.Request().Context(), ch.LeadID, ch.Version, on, currentUser(c).ID)
	return afterChange(c, ch.LeadID, "follow-up", err)
}

// AddLeadNote adds a note to a lead. Notes never conflict, so they carry
// no version; a blank or overlong one comes back with the text kept.
func (h *Handlers) AddLeadNote(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	if msg := models.CheckNote(models.NormalizeNote(body)); msg != "" {
		return h.renderLeadAgain(c, id, leadForms{Note: body, NoteError: msg})
	}
	if _, err := h.Store.AddLeadNote(c.Request().Context(), id, currentUser(c).ID, body); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, leadPath(id)+"?notice=note")
}

// ResendLeadEmail queues one of a lead's emails to be sent again, whatever
// happened to it before.
func (h *Handlers) ResendLeadEmail(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	kind := c.Param("kind")
	if !slices.Contains(models.EmailKinds, kind) {
		return echo.ErrNotFound
	}
	if h.QueueEmail == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "no email queue to resend with")
	}
	actor := currentUser(c).ID
	if err := h.Store.ResendEmail(c.Request().Context(), id, kind, &actor, h.QueueEmail); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, leadPath(id)+"?notice=resend")
}
