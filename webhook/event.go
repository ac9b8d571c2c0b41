package webhook

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// QueueName is the queue the delivery workers take jobs from, apart from
// the emails so that a dead receiver's backlog never holds up an email.
const QueueName = "webhook"

// DefaultWorkers is how many deliveries one process makes at once unless
// WEBHOOK_WORKERS says otherwise. A delivery is mostly waiting for the
// receiver, up to DefaultTimeout.
const DefaultWorkers = 8

// MaxAttempts is how many times one event is tried on one endpoint: with
// the default backoff (10 s, doubling to an hour, then hourly) the last
// try comes about 24 hours after the first.
const MaxAttempts = 33

// WebhookArgs is one event queued for one endpoint. It carries ids and the
// change's codes, never personal data: the body is built from the lead as
// it is when the delivery is made.
type WebhookArgs struct {
	EndpointID int64     `json:"endpoint_id"`
	EventID    string    `json:"event_id"` // webhook-id: the same on every retry and replay
	EventType  string    `json:"event_type"`
	LeadID     int64     `json:"lead_id,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	// Data is the change: lead.updated's fields and their new values,
	// lead.consent_withdrawn's purpose.
	Data map[string]any `json:"data,omitempty"`
}

// Kind names the job type in the queue.
func (WebhookArgs) Kind() string { return "webhook" }

// InsertOpts puts deliveries on their own queue, tried for about a day.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: MaxAttempts}
}

// NewEventID makes an event's id: msg_ and 128 random bits, the form the
// Standard Webhooks specification shows.
func NewEventID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
