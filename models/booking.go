package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Kinds of history a scheduling service's events add to a lead; the detail
// is the meeting's start, RFC 3339 in UTC.
const (
	ActivityMeetingBooked      = "meeting_booked"
	ActivityMeetingRescheduled = "meeting_rescheduled"
	ActivityMeetingCancelled   = "meeting_cancelled"
)

// Booking is a change to a meeting that a scheduling service reported.
type Booking struct {
	// EventSHA256 identifies the event: the same on every delivery of it.
	EventSHA256 string
	// Kind is ActivityMeetingBooked, ActivityMeetingRescheduled or
	// ActivityMeetingCancelled.
	Kind  string
	Email string    // the invitee's address
	Start time.Time // when the meeting starts
}

// BookingOutcome says what RecordBooking did.
type BookingOutcome string

// What RecordBooking can do with a booking.
const (
	BookingRecorded  BookingOutcome = "recorded"  // added to a lead
	BookingDuplicate BookingOutcome = "duplicate" // seen before: nothing changed
	BookingNoLead    BookingOutcome = "no_lead"   // no lead has the address: nothing personal kept
)

// bookingEvent is a scheduling service's event already received.
type bookingEvent struct {
	EventSHA256 string `gorm:"column:event_sha256;primaryKey"`
	ReceivedAt  time.Time
}

func (bookingEvent) TableName() string { return "booking_events" }

// RecordBooking applies a scheduling service's event to the newest lead
// with the invitee's address (compared without case), in one transaction:
// the meeting goes into the lead's history; a booking or a reschedule sets
// the follow-up date to the meeting's day (UTC) and moves a new lead to
// contacted, emitting lead.updated with what changed; a cancellation is
// only recorded. An event already received changes nothing. For an address
// no lead has, only the event's hash is kept, so its redelivery is known.
func (s *Store) RecordBooking(ctx context.Context, b Booking) (BookingOutcome, error) {
	switch b.Kind {
	case ActivityMeetingBooked, ActivityMeetingRescheduled, ActivityMeetingCancelled:
	default:
		return "", fmt.Errorf("record booking: unknown kind %q", b.Kind)
	}
	if b.EventSHA256 == "" {
		return "", errors.New("record booking: no event identity")
	}
	now := time.Now().UTC()
	outcome := BookingRecorded
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&bookingEvent{EventSHA256: b.EventSHA256, ReceivedAt: now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			outcome = BookingDuplicate
			return nil
		}
		var found []Lead
		err := s.forUpdate(tx, "").Select("id", "status", "follow_up_on", "version").
			Where("lower(email) = lower(?) AND erased_at IS NULL", b.Email).
			Order("created_at DESC").Order("id DESC").Limit(1).Find(&found).Error
		if err != nil {
			return err
		}
		if len(found) == 0 {
			outcome = BookingNoLead
			return nil
		}
		cur := found[0]
		start := b.Start.UTC()
		if err := addActivity(tx, cur.ID, nil, b.Kind, start.Format(time.RFC3339), now); err != nil {
			return err
		}
		if b.Kind == ActivityMeetingCancelled {
			return nil
		}
		changed := map[string]any{}
		if on := start.Format(time.DateOnly); cur.FollowUpOn != on {
			changed["follow_up_on"] = on
		}
		if cur.Status == StatusNew {
			changed["status"] = StatusContacted
			if err := addActivity(tx, cur.ID, nil, ActivityStatusChanged, StatusNew+" → "+StatusContacted, now); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		updates := map[string]any{"version": gorm.Expr("version + 1")}
		for k, v := range changed {
			updates[k] = v
		}
		// ErrStale only on SQLite's unlocked read, and SQLite has one writer.
		if err := updateLead(tx, &cur, updates, now); err != nil {
			return err
		}
		return s.emitGORM(tx, LeadEvent{Type: EventLeadUpdated, LeadID: cur.ID, At: now, Data: changed})
	})
	if err != nil {
		return "", fmt.Errorf("record booking: %w", err)
	}
	return outcome, nil
}
