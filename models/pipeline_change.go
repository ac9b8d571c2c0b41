package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LeadChange is several pipeline changes made at once, as the API's PATCH
// makes them; a nil field is left as it is.
type LeadChange struct {
	Status   *string
	Owner    **int64 // a nil *int64 inside: no owner
	FollowUp *string // YYYY-MM-DD, or "" to clear it
}

// ChangeLead makes every change in ch in one transaction, if the lead is
// still at version (otherwise ErrStale, and nothing changes). The version
// moves on once; each change is recorded in the history as the page's
// forms record it, and one lead.updated event carries them all. Changing
// nothing that differs changes nothing, version included.
func (s *Store) ChangeLead(ctx context.Context, leadID int64, version int, ch LeadChange, actorID int64) error {
	if ch.Status != nil && !ValidStatus(*ch.Status) {
		return fmt.Errorf("set status %q: %w", *ch.Status, ErrUnknownStatus)
	}
	if ch.FollowUp != nil && !ValidFollowUp(*ch.FollowUp) {
		return fmt.Errorf("set follow-up %q: %w", *ch.FollowUp, ErrBadDate)
	}
	return s.changeLead(ctx, leadID, version, func(tx *gorm.DB, cur *Lead, now time.Time) error {
		updates := map[string]any{}
		data := map[string]any{}
		type entry struct{ kind, detail string }
		var history []entry
		if ch.Status != nil && *ch.Status != cur.Status {
			updates["status"], data["status"] = *ch.Status, *ch.Status
			history = append(history, entry{ActivityStatusChanged, cur.Status + " → " + *ch.Status})
		}
		if ch.Owner != nil && !sameID(cur.OwnerID, *ch.Owner) {
			owner := *ch.Owner
			name := ""
			if owner != nil {
				var u User
				err := tx.Where("id = ? AND disabled_at IS NULL AND role IN ?", *owner, []string{RoleAdmin, RoleConsultant}).Take(&u).Error
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return ErrNotAssignable
				}
				if err != nil {
					return err
				}
				name = u.DisplayName()
			}
			updates["owner_id"], data["owner_id"] = owner, owner
			history = append(history, entry{ActivityAssigned, name})
		}
		if ch.FollowUp != nil && *ch.FollowUp != cur.FollowUpOn {
			updates["follow_up_on"], data["follow_up_on"] = *ch.FollowUp, *ch.FollowUp
			history = append(history, entry{ActivityFollowUpSet, *ch.FollowUp})
		}
		if len(updates) == 0 {
			return errUnchanged
		}
		if err := bumpLead(tx, cur, updates, now); err != nil {
			return err
		}
		for _, h := range history {
			if err := addActivity(tx, leadID, &actorID, h.kind, h.detail, now); err != nil {
				return err
			}
		}
		return s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: leadID, At: now, Data: data})
	})
}
