package handlers_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

const (
	calSecret   = "cal-webhook-secret-for-tests"
	calendlyKey = "calendly-signing-key-for-tests"
)

// bookingSite is the site with both booking receivers on, recording the
// lead events the store emits in each change's transaction.
type bookingSite struct {
	*site
	metrics *metrics.Metrics
	mu      sync.Mutex
	events  []models.LeadEvent // lead.updated only
}

func newBookingSite(t *testing.T, dialect string) *bookingSite {
	store := modelstest.Open(t, dialect)
	b := &bookingSite{metrics: metrics.New(metrics.Config{})}
	store.OnLeadEvents(func(_ context.Context, _ models.Tx, events []models.LeadEvent) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range events {
			if e.Type == models.EventLeadUpdated {
				b.events = append(b.events, e)
			}
		}
		return nil
	})
	b.site = newSiteWith(t, store, func(d *handlers.Deps) {
		d.CalComSecret, d.CalendlySigningKey, d.Metrics = []byte(calSecret), []byte(calendlyKey), b.metrics
	})
	return b
}

func (b *bookingSite) eventCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events)
}

// hook posts body to a receiver with one header.
func (b *bookingSite) hook(path, body, header, value string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if header != "" {
		req.Header.Set(header, value)
	}
	return b.do(req)
}

// The providers' signing, written out from their documentation.
func calSignature(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func calendlySignature(key, body string, at time.Time) string {
	t := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(t + "." + body))
	return "t=" + t + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

func calBody(trigger, uid, email, start string) string {
	return fmt.Sprintf(`{"triggerEvent":%q,"createdAt":"2026-12-03T10:00:00.000Z","payload":{"type":"intro","title":"Intro call","uid":%q,"startTime":%q,"endTime":"2026-12-10T09:30:00Z","attendees":[{"email":%q,"name":"Ada Lovelace","timeZone":"Europe/London"}],"organizer":{"email":"consultant@stellapop.com","name":"Consultant"}}}`,
		trigger, uid, start, email)
}

func calendlyBody(event, invitee, email, start string, rescheduled bool, oldInvitee string) string {
	old := ""
	if oldInvitee != "" {
		old = fmt.Sprintf(`,"old_invitee":%q`, oldInvitee)
	}
	return fmt.Sprintf(`{"event":%q,"created_at":"2026-12-03T10:00:00.000000Z","created_by":"https://api.calendly.com/users/AAA","payload":{"email":%q,"name":"Ada Lovelace","uri":%q,"status":"active","rescheduled":%t,"scheduled_event":{"uri":"https://api.calendly.com/scheduled_events/EV1","name":"Intro call","start_time":%q,"end_time":"2026-12-10T09:30:00.000000Z"}%s}}`,
		event, email, invitee, rescheduled, start, old)
}

// bookingLead saves a lead with email, as new, created at.
func (b *bookingSite) bookingLead(email string, at time.Time) *models.Lead {
	b.t.Helper()
	lead := &models.Lead{Name: "Ada Lovelace", Email: email, Company: "Analytical Engines Ltd", DiagnosticVersion: b.def.Version,
		OverallIndex: 60, Band: b.def.Bands[0].ID, CreatedAt: at}
	for i, d := range b.def.Dimensions {
		lead.Scores = append(lead.Scores, models.Score{Dimension: d.ID, Position: i + 1, Score: 60})
	}
	if err := b.store.SaveLead(b.t.Context(), lead); err != nil {
		b.t.Fatal(err)
	}
	return lead
}

// history is the lead's history as kind:detail, oldest first, without
// its creation and views.
func (b *bookingSite) history(id int64) []string {
	b.t.Helper()
	list, err := b.store.LeadActivity(b.t.Context(), id, 100)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		if k := list[i].Kind; k != models.ActivityCreated && k != models.ActivityViewed {
			out = append(out, list[i].Kind+":"+list[i].Detail)
		}
	}
	return out
}

func (b *bookingSite) bookingRows() int {
	b.t.Helper()
	var n int
	if err := b.store.SQLDB().QueryRow("SELECT count(*) FROM booking_events").Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

func wantHistory(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBookingReceiversAreOffWithoutTheirSecrets(t *testing.T) {
	s := newSite(t, models.SQLite)
	body := calBody("BOOKING_CREATED", "u1", "ada@example.com", "2026-12-10T09:00:00Z")
	for _, path := range []string{"/hooks/bookings/cal", "/hooks/bookings/calendly"} {
		req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(body))
		req.Header.Set("X-Cal-Signature-256", calSignature(calSecret, body))
		if r := s.do(req); r.status != http.StatusNotFound {
			t.Errorf("POST %s without a secret = %d, want 404", path, r.status)
		}
	}
}

func TestCalComBookingsComeBackIntoTheLead(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			b := newBookingSite(t, dialect)
			const path = "/hooks/bookings/cal"
			older := b.bookingLead("ada@example.com", time.Now().Add(-48*time.Hour))
			lead := b.bookingLead("Ada@Example.com", time.Now().Add(-time.Hour))

			created := calBody("BOOKING_CREATED", "bk-1", "ADA@example.COM", "2026-12-10T09:00:00Z")
			// Refused, and nothing stored: a wrong secret, a changed body, no signature.
			for name, r := range map[string]response{
				"wrong secret": b.hook(path, created, "X-Cal-Signature-256", calSignature("another secret", created)),
				"changed body": b.hook(path, strings.Replace(created, "bk-1", "bk-2", 1), "X-Cal-Signature-256", calSignature(calSecret, created)),
				"no signature": b.hook(path, created, "", ""),
			} {
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: %d, want 401", name, r.status)
				}
			}
			if n := b.bookingRows(); n != 0 || b.eventCount() != 0 || len(b.history(lead.ID)) != 0 {
				t.Fatalf("a refused booking stored something: %d rows, %d events, history %v", n, b.eventCount(), b.history(lead.ID))
			}

			// The booking: history, follow-up on the meeting's day, new → contacted, lead.updated.
			r := b.hook(path, created, "X-Cal-Signature-256", calSignature(calSecret, created))
			if r.status != http.StatusOK || !strings.Contains(r.body, `"recorded"`) {
				t.Fatalf("booking = %d %s", r.status, r.body)
			}
			got := b.lead(lead.ID)
			if got.Status != models.StatusContacted || got.FollowUpOn != "2026-12-10" {
				t.Errorf("after the booking: status %q, follow-up %q; want contacted, 2026-12-10", got.Status, got.FollowUpOn)
			}
			wantHistory(t, b.history(lead.ID), "meeting_booked:2026-12-10T09:00:00Z", "status_changed:new → contacted")
			if len(b.history(older.ID)) != 0 {
				t.Errorf("the older lead with the address changed too: %v", b.history(older.ID))
			}
			if b.eventCount() != 1 || b.events[0].Type != models.EventLeadUpdated || b.events[0].LeadID != lead.ID {
				t.Errorf("events = %+v, want one lead.updated for lead %d", b.events, lead.ID)
			}
			b.signIn(models.RoleConsultant)
			if page := b.get("/admin/leads/" + strconv.FormatInt(lead.ID, 10)); !strings.Contains(page.body, "Meeting booked for Thu 10 Dec 2026, 09:00 UTC") {
				t.Errorf("the lead's page does not show the meeting")
			}

			// The same delivery again changes nothing.
			r = b.hook(path, created, "X-Cal-Signature-256", calSignature(calSecret, created))
			if r.status != http.StatusOK || !strings.Contains(r.body, `"duplicate"`) {
				t.Errorf("replay = %d %s", r.status, r.body)
			}
			if h := b.history(lead.ID); len(h) != 2 || b.eventCount() != 1 || b.lead(lead.ID).Version != got.Version {
				t.Errorf("the replay changed the lead: history %v, %d events", h, b.eventCount())
			}

			// Moved, then cancelled.
			moved := calBody("BOOKING_RESCHEDULED", "bk-1b", "ada@example.com", "2026-12-14T15:30:00Z")
			if r := b.hook(path, moved, "X-Cal-Signature-256", calSignature(calSecret, moved)); r.status != http.StatusOK {
				t.Fatalf("reschedule = %d %s", r.status, r.body)
			}
			if got := b.lead(lead.ID); got.FollowUpOn != "2026-12-14" || got.Status != models.StatusContacted {
				t.Errorf("after the reschedule: follow-up %q, status %q", got.FollowUpOn, got.Status)
			}
			cancelled := calBody("BOOKING_CANCELLED", "bk-1b", "ada@example.com", "2026-12-14T15:30:00Z")
			if r := b.hook(path, cancelled, "X-Cal-Signature-256", calSignature(calSecret, cancelled)); r.status != http.StatusOK {
				t.Fatalf("cancellation = %d %s", r.status, r.body)
			}
			wantHistory(t, b.history(lead.ID), "meeting_booked:2026-12-10T09:00:00Z", "status_changed:new → contacted",
				"meeting_rescheduled:2026-12-14T15:30:00Z", "meeting_cancelled:2026-12-14T15:30:00Z")
			if b.eventCount() != 2 {
				t.Errorf("%d events, want 2 (booking, reschedule; a cancellation changes no field)", b.eventCount())
			}

			// An address no lead has: 200, counted, nothing personal kept.
			stranger := calBody("BOOKING_CREATED", "bk-9", "grace.hopper@navy.example", "2026-12-11T10:00:00Z")
			for range 2 {
				if r := b.hook(path, stranger, "X-Cal-Signature-256", calSignature(calSecret, stranger)); r.status != http.StatusOK {
					t.Fatalf("unknown address = %d %s", r.status, r.body)
				}
			}
			if found := modelstest.FindText(t, b.store, "grace.hopper", "navy.example"); len(found) > 0 {
				t.Errorf("the unknown address is stored: %v", found)
			}

			// Malformed JSON, properly signed: 400 with a problem that says so.
			broken := `{"triggerEvent": "BOOKING_CREATED", "payload": `
			r = b.hook(path, broken, "X-Cal-Signature-256", calSignature(calSecret, broken))
			if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(r.body, "Malformed event") {
				t.Errorf("malformed = %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
			}

			scrape, err := metricstest.Scrape(b.metrics.Handler())
			if err != nil {
				t.Fatal(err)
			}
			metricstest.Want(t, scrape, "intake_booking_events_total", 1, "provider", "cal", "outcome", "no_lead")
			metricstest.Want(t, scrape, "intake_booking_events_total", 2, "provider", "cal", "outcome", "duplicate")
			metricstest.Want(t, scrape, "intake_booking_events_total", 3, "provider", "cal", "outcome", "rejected")
		})
	}
}

func TestCalendlyBookingsComeBackIntoTheLead(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			b := newBookingSite(t, dialect)
			const path, header = "/hooks/bookings/calendly", "Calendly-Webhook-Signature"
			lead := b.bookingLead("ada@example.com", time.Now().Add(-time.Hour))
			inv1 := "https://api.calendly.com/scheduled_events/EV1/invitees/INV1"
			created := calendlyBody("invitee.created", inv1, "Ada@Example.com", "2026-12-10T09:00:00.000000Z", false, "")
			now := time.Now()

			for name, r := range map[string]response{
				"wrong key":          b.hook(path, created, header, calendlySignature("another key", created, now)),
				"no signature":       b.hook(path, created, "", ""),
				"no timestamp":       b.hook(path, created, header, "v1="+calSignature(calendlyKey, created)),
				"stale, well signed": b.hook(path, created, header, calendlySignature(calendlyKey, created, now.Add(-4*time.Minute))),
				"from the future":    b.hook(path, created, header, calendlySignature(calendlyKey, created, now.Add(4*time.Minute))),
			} {
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: %d %s, want 401", name, r.status, r.body)
				}
			}
			if n := b.bookingRows(); n != 0 || b.eventCount() != 0 || len(b.history(lead.ID)) != 0 {
				t.Fatalf("a refused booking stored something: %d rows, %d events", n, b.eventCount())
			}

			// Within the tolerance, a little late.
			r := b.hook(path, created, header, calendlySignature(calendlyKey, created, now.Add(-2*time.Minute)))
			if r.status != http.StatusOK || !strings.Contains(r.body, `"recorded"`) {
				t.Fatalf("booking = %d %s", r.status, r.body)
			}
			if got := b.lead(lead.ID); got.Status != models.StatusContacted || got.FollowUpOn != "2026-12-10" {
				t.Errorf("after the booking: status %q, follow-up %q", got.Status, got.FollowUpOn)
			}
			if b.eventCount() != 1 || b.events[0].Type != models.EventLeadUpdated {
				t.Errorf("events = %+v, want one lead.updated", b.events)
			}
			// Calendly delivers again with a fresh signature: still the same event.
			if r := b.hook(path, created, header, calendlySignature(calendlyKey, created, time.Now())); !strings.Contains(r.body, `"duplicate"`) {
				t.Errorf("replay = %d %s", r.status, r.body)
			}

			// A reschedule is the old invitee cancelled (rescheduled) and a new one created.
			inv2 := "https://api.calendly.com/scheduled_events/EV2/invitees/INV2"
			oldHalf := calendlyBody("invitee.canceled", inv1, "ada@example.com", "2026-12-10T09:00:00.000000Z", true, "")
			newHalf := calendlyBody("invitee.created", inv2, "ada@example.com", "2026-12-15T11:00:00.000000Z", false, inv1)
			for _, body := range []string{oldHalf, newHalf} {
				if r := b.hook(path, body, header, calendlySignature(calendlyKey, body, time.Now())); r.status != http.StatusOK {
					t.Fatalf("reschedule = %d %s", r.status, r.body)
				}
			}
			if got := b.lead(lead.ID); got.FollowUpOn != "2026-12-15" {
				t.Errorf("after the reschedule: follow-up %q", got.FollowUpOn)
			}
			cancelled := calendlyBody("invitee.canceled", inv2, "ada@example.com", "2026-12-15T11:00:00.000000Z", false, "")
			if r := b.hook(path, cancelled, header, calendlySignature(calendlyKey, cancelled, time.Now())); r.status != http.StatusOK {
				t.Fatalf("cancellation = %d %s", r.status, r.body)
			}
			wantHistory(t, b.history(lead.ID), "meeting_booked:2026-12-10T09:00:00Z", "status_changed:new → contacted",
				"meeting_rescheduled:2026-12-15T11:00:00Z", "meeting_cancelled:2026-12-15T11:00:00Z")

			stranger := calendlyBody("invitee.created", "https://api.calendly.com/scheduled_events/EV3/invitees/INV3", "grace.hopper@navy.example", "2026-12-11T10:00:00.000000Z", false, "")
			if r := b.hook(path, stranger, header, calendlySignature(calendlyKey, stranger, time.Now())); r.status != http.StatusOK || !strings.Contains(r.body, `"no_lead"`) {
				t.Errorf("unknown address = %d %s", r.status, r.body)
			}
			if found := modelstest.FindText(t, b.store, "grace.hopper", "navy.example"); len(found) > 0 {
				t.Errorf("the unknown address is stored: %v", found)
			}
			broken := `not json`
			if r := b.hook(path, broken, header, calendlySignature(calendlyKey, broken, time.Now())); r.status != http.StatusBadRequest {
				t.Errorf("malformed = %d %s", r.status, r.body)
			}
			scrape, err := metricstest.Scrape(b.metrics.Handler())
			if err != nil {
				t.Fatal(err)
			}
			metricstest.Want(t, scrape, "intake_booking_events_total", 1, "provider", "calendly", "outcome", "no_lead")
			metricstest.Want(t, scrape, "intake_booking_events_total", 5, "provider", "calendly", "outcome", "rejected")
		})
	}
}
