package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What a scheduling service's event does to a meeting.
const (
	Booked      = "booked"
	Rescheduled = "rescheduled"
	Cancelled   = "cancelled"
)

// CalendlyTolerance is how far a Calendly signature's timestamp may be from
// our clock: an older delivery may be a recorded one played again.
const CalendlyTolerance = 3 * time.Minute

var (
	// ErrBadSignature means the signature is missing, malformed or wrong.
	ErrBadSignature = errors.New("missing or wrong signature")
	// ErrStaleSignature means a signature whose timestamp is outside
	// CalendlyTolerance.
	ErrStaleSignature = errors.New("signature timestamp too far from now")
	// ErrMalformed means a body that is not the event we expect.
	ErrMalformed = errors.New("malformed event")
)

// Event is one change to a meeting, as a scheduling service reported it.
type Event struct {
	Provider Provider
	// Kind is Booked, Rescheduled or Cancelled; "" for an event Intake
	// does not act on (a test ping; the cancelling half of a Calendly
	// reschedule, whose new booking says all).
	Kind string
	// Identity is the service's own name for the event: the same on every
	// delivery of it, different for every other change.
	Identity string
	Email    string    // the invitee's address
	Start    time.Time // when the meeting starts
}

// IdentityHash is the event's identity as stored to recognise a second
// delivery: a hash, so the table holds nothing readable.
func (e Event) IdentityHash() string {
	sum := sha256.Sum256([]byte(string(e.Provider) + "\n" + e.Identity))
	return hex.EncodeToString(sum[:])
}

// VerifyCal checks Cal.com's X-Cal-Signature-256 header: the hex
// HMAC-SHA256 of the raw body, keyed by the webhook's secret.
func VerifyCal(secret, body []byte, header string) error {
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	if !hmac.Equal(got, sign(secret, body)) {
		return ErrBadSignature
	}
	return nil
}

// VerifyCalendly checks Calendly's Calendly-Webhook-Signature header,
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">", keyed by the
// subscription's signing key, with a timestamp within CalendlyTolerance of
// now.
func VerifyCalendly(key, body []byte, header string, now time.Time) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	want := sign(key, append([]byte(ts+"."), body...))
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > CalendlyTolerance || d < -CalendlyTolerance {
		return ErrStaleSignature
	}
	return nil
}

func sign(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// calEvent is the part of a Cal.com webhook Intake reads.
type calEvent struct {
	TriggerEvent string `json:"triggerEvent"`
	Payload      struct {
		UID       string `json:"uid"`
		StartTime string `json:"startTime"`
		Attendees []struct {
			Email string `json:"email"`
		} `json:"attendees"`
	} `json:"payload"`
}

// ParseCal reads a Cal.com webhook's body. BOOKING_CREATED,
// BOOKING_RESCHEDULED and BOOKING_CANCELLED are acted on; any other
// trigger (a ping) comes back with no Kind.
func ParseCal(body []byte) (Event, error) {
	var in calEvent
	if err := json.Unmarshal(body, &in); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	e := Event{Provider: CalCom}
	switch in.TriggerEvent {
	case "BOOKING_CREATED":
		e.Kind = Booked
	case "BOOKING_RESCHEDULED":
		e.Kind = Rescheduled
	case "BOOKING_CANCELLED":
		e.Kind = Cancelled
	case "":
		return Event{}, fmt.Errorf("%w: no triggerEvent", ErrMalformed)
	default:
		return e, nil
	}
	p := in.Payload
	if p.UID == "" {
		return Event{}, fmt.Errorf("%w: payload.uid is missing", ErrMalformed)
	}
	if len(p.Attendees) == 0 || strings.TrimSpace(p.Attendees[0].Email) == "" {
		return Event{}, fmt.Errorf("%w: payload.attendees has no email", ErrMalformed)
	}
	start, err := time.Parse(time.RFC3339, p.StartTime)
	if err != nil {
		return Event{}, fmt.Errorf("%w: payload.startTime %q is not an RFC 3339 time", ErrMalformed, p.StartTime)
	}
	e.Email, e.Start = strings.TrimSpace(p.Attendees[0].Email), start
	// A reschedule may keep the booking's uid; its new time tells it apart.
	e.Identity = in.TriggerEvent + " " + p.UID + " " + start.UTC().Format(time.RFC3339)
	return e, nil
}

// calendlyEvent is the part of a Calendly webhook Intake reads.
type calendlyEvent struct {
	Event   string `json:"event"`
	Payload struct {
		Email          string `json:"email"`
		URI            string `json:"uri"`
		Rescheduled    bool   `json:"rescheduled"`
		OldInvitee     string `json:"old_invitee"`
		ScheduledEvent struct {
			StartTime string `json:"start_time"`
		} `json:"scheduled_event"`
	} `json:"payload"`
}

// ParseCalendly reads a Calendly webhook's body. invitee.created is a
// booking, or a reschedule when it names the invitee it replaces;
// invitee.canceled is a cancellation, except when it is the old half of a
// reschedule, which comes back with no Kind (the new invitee.created
// records the move). Any other event comes back with no Kind.
func ParseCalendly(body []byte) (Event, error) {
	var in calendlyEvent
	if err := json.Unmarshal(body, &in); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	e := Event{Provider: Calendly}
	p := in.Payload
	switch in.Event {
	case "invitee.created":
		e.Kind = Booked
		if p.OldInvitee != "" {
			e.Kind = Rescheduled
		}
	case "invitee.canceled":
		e.Kind = Cancelled
		if p.Rescheduled {
			e.Kind = ""
		}
	case "":
		return Event{}, fmt.Errorf("%w: no event", ErrMalformed)
	}
	if e.Kind == "" {
		return e, nil
	}
	if p.URI == "" {
		return Event{}, fmt.Errorf("%w: payload.uri is missing", ErrMalformed)
	}
	if strings.TrimSpace(p.Email) == "" {
		return Event{}, fmt.Errorf("%w: payload.email is missing", ErrMalformed)
	}
	start, err := time.Parse(time.RFC3339, p.ScheduledEvent.StartTime)
	if err != nil {
		return Event{}, fmt.Errorf("%w: payload.scheduled_event.start_time %q is not an RFC 3339 time", ErrMalformed, p.ScheduledEvent.StartTime)
	}
	e.Email, e.Start = strings.TrimSpace(p.Email), start
	e.Identity = in.Event + " " + p.URI
	return e, nil
}
