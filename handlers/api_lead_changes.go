package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

// nullable is a JSON field that may be absent, null or a value: Set tells
// absent from null.
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(b, []byte("null")) {
		n.Value = nil
		return nil
	}
	n.Value = new(T)
	return json.Unmarshal(b, n.Value)
}

// leadPatch is the body of PATCH /api/v1/leads/{id}: each field is left
// as it is when absent. owner_id null unassigns; follow_up_on null or ""
// clears the date.
type leadPatch struct {
	Status     nullable[string] `json:"status"`
	OwnerID    nullable[int64]  `json:"owner_id"`
	FollowUpOn nullable[string] `json:"follow_up_on"`
}

// APIChangeLead changes a lead's status, owner and follow-up date at once,
// if the lead is still at the version If-Match names: otherwise 412 and
// nothing changes. It answers with the lead as it is now.
func (h *Handlers) APIChangeLead(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	var p leadPatch
	if err := decodeJSONBody(c, &p); err != nil {
		return err
	}
	var ch models.LeadChange
	var bad []invalidParam
	if p.Status.Set {
		if p.Status.Value == nil || !models.ValidStatus(*p.Status.Value) {
			bad = append(bad, invalidParam{"status", "is not one of " + strings.Join(models.Statuses, ", ")})
		} else {
			ch.Status = p.Status.Value
		}
	}
	if p.OwnerID.Set {
		ch.Owner = &p.OwnerID.Value
	}
	if p.FollowUpOn.Set {
		on := ""
		if p.FollowUpOn.Value != nil {
			on = strings.TrimSpace(*p.FollowUpOn.Value)
		}
		if !models.ValidFollowUp(on) {
			bad = append(bad, invalidParam{"follow_up_on", "is not a date in the form YYYY-MM-DD"})
		}
		ch.FollowUp = &on
	}
	if len(bad) > 0 {
		return unprocessable(bad...)
	}
	if !p.Status.Set && !p.OwnerID.Set && !p.FollowUpOn.Set {
		return unprocessable(invalidParam{"request body", "holds nothing to change: send status, owner_id or follow_up_on"})
	}
	ctx := c.Request().Context()
	err = h.Store.ChangeLead(ctx, id, version, ch, currentUser(c).ID)
	switch {
	case errors.Is(err, models.ErrStale):
		return &apiProblem{Status: http.StatusPreconditionFailed,
			Detail: "The lead has changed since that version: read it again, and send its new ETag in If-Match."}
	case errors.Is(err, models.ErrNotAssignable):
		return unprocessable(invalidParam{"owner_id", "is not an active admin or consultant"})
	case err != nil:
		return err
	}
	lead, err := h.Store.LeadByID(ctx, id)
	if err != nil {
		return err
	}
	return h.writeLead(c, lead)
}

// ifMatchVersion reads the lead version from If-Match: the ETag a read of
// the lead gave, "3" (a bare 3 is taken too). Without it a change could
// overwrite one it never saw, so it is required (428).
func ifMatchVersion(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, &apiProblem{Status: http.StatusPreconditionRequired,
			Detail: "Send the lead's ETag in If-Match, so a change made since you read it is not overwritten."}
	}
	n, err := strconv.Atoi(strings.Trim(v, `"`))
	if err != nil || n < 1 {
		return 0, &apiProblem{Status: http.StatusPreconditionFailed, Detail: "If-Match does not hold a version of this lead."}
	}
	return n, nil
}

// noteBody is the body of POST /api/v1/leads/{id}/notes.
type noteBody struct {
	Body *string `json:"body"`
}

// APIAddNote adds a note to a lead and answers with it (201).
func (h *Handlers) APIAddNote(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	var b noteBody
	if err := decodeJSONBody(c, &b); err != nil {
		return err
	}
	if b.Body == nil {
		return unprocessable(invalidParam{"body", "is required"})
	}
	if msg := models.CheckNote(models.NormalizeNote(*b.Body)); msg != "" {
		return unprocessable(invalidParam{"body", msg})
	}
	u := currentUser(c)
	note, err := h.Store.AddLeadNote(c.Request().Context(), id, u.ID, *b.Body)
	if err != nil {
		return err
	}
	note.Author = u
	return c.JSON(http.StatusCreated, newAPINote(*note))
}
