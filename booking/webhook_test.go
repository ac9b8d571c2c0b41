package booking_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stellapop/intake/booking"
)

func TestParseTellsWhatEachEventDoes(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (booking.Event, error)
		body  string
		kind  string
		err   error
	}{
		{"Cal.com booking", booking.ParseCal, `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u","startTime":"2026-12-10T09:00:00.000Z","attendees":[{"email":"a@example.com"}]}}`, booking.Booked, nil},
		{"Cal.com reschedule", booking.ParseCal, `{"triggerEvent":"BOOKING_RESCHEDULED","payload":{"uid":"u","startTime":"2026-12-10T09:00:00+01:00","attendees":[{"email":"a@example.com"}]}}`, booking.Rescheduled, nil},
		{"Cal.com cancellation", booking.ParseCal, `{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"u","startTime":"2026-12-10T09:00:00Z","attendees":[{"email":"a@example.com"}]}}`, booking.Cancelled, nil},
		{"Cal.com ping", booking.ParseCal, `{"triggerEvent":"PING","payload":{}}`, "", nil},
		{"Cal.com without an attendee", booking.ParseCal, `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u","startTime":"2026-12-10T09:00:00Z","attendees":[]}}`, "", booking.ErrMalformed},
		{"Cal.com with a bad time", booking.ParseCal, `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u","startTime":"10/12/2026","attendees":[{"email":"a@example.com"}]}}`, "", booking.ErrMalformed},
		{"Cal.com, not JSON", booking.ParseCal, `<xml/>`, "", booking.ErrMalformed},
		{"Calendly booking", booking.ParseCalendly, `{"event":"invitee.created","payload":{"email":"a@example.com","uri":"i1","rescheduled":false,"scheduled_event":{"start_time":"2026-12-10T09:00:00.000000Z"}}}`, booking.Booked, nil},
		{"Calendly reschedule, new half", booking.ParseCalendly, `{"event":"invitee.created","payload":{"email":"a@example.com","uri":"i2","old_invitee":"i1","scheduled_event":{"start_time":"2026-12-11T09:00:00Z"}}}`, booking.Rescheduled, nil},
		{"Calendly reschedule, old half", booking.ParseCalendly, `{"event":"invitee.canceled","payload":{"email":"a@example.com","uri":"i1","rescheduled":true,"new_invitee":"i2","scheduled_event":{"start_time":"2026-12-10T09:00:00Z"}}}`, "", nil},
		{"Calendly cancellation", booking.ParseCalendly, `{"event":"invitee.canceled","payload":{"email":"a@example.com","uri":"i1","rescheduled":false,"scheduled_event":{"start_time":"2026-12-10T09:00:00Z"}}}`, booking.Cancelled, nil},
		{"Calendly routing form", booking.ParseCalendly, `{"event":"routing_form_submission.created","payload":{}}`, "", nil},
		{"Calendly without an address", booking.ParseCalendly, `{"event":"invitee.created","payload":{"uri":"i1","scheduled_event":{"start_time":"2026-12-10T09:00:00Z"}}}`, "", booking.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := tt.parse([]byte(tt.body))
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if e.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", e.Kind, tt.kind)
			}
		})
	}
}

func TestIdentityDiffersByChangeAndNotByDelivery(t *testing.T) {
	body := func(trigger, start string) []byte {
		return []byte(`{"triggerEvent":"` + trigger + `","payload":{"uid":"u","startTime":"` + start + `","attendees":[{"email":"a@example.com"}]}}`)
	}
	parse := func(b []byte) string {
		e, err := booking.ParseCal(b)
		if err != nil {
			t.Fatal(err)
		}
		return e.IdentityHash()
	}
	first := parse(body("BOOKING_CREATED", "2026-12-10T09:00:00Z"))
	if parse(body("BOOKING_CREATED", "2026-12-10T09:00:00Z")) != first {
		t.Error("the same event delivered again has another identity")
	}
	for _, other := range [][]byte{body("BOOKING_CANCELLED", "2026-12-10T09:00:00Z"), body("BOOKING_RESCHEDULED", "2026-12-11T09:00:00Z")} {
		if parse(other) == first {
			t.Errorf("another change to the booking has the same identity: %s", other)
		}
	}
}

func TestVerifyCalendlyHeaderForms(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, header := range []string{"", "t=,v1=", "v1=00", "t=1800000000", "t=abc,v1=00", "t=1800000000,v1=zz"} {
		if err := booking.VerifyCalendly([]byte("key"), []byte("{}"), header, now); !errors.Is(err, booking.ErrBadSignature) {
			t.Errorf("header %q: %v, want ErrBadSignature", header, err)
		}
	}
	if err := booking.VerifyCal([]byte("key"), []byte("{}"), "sha256=abc"); !errors.Is(err, booking.ErrBadSignature) {
		t.Errorf("a malformed Cal.com header: %v", err)
	}
}
