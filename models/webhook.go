package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Kinds of webhook endpoint.
const (
	// WebhookStandard receives every event it subscribes to as JSON, signed
	// as the Standard Webhooks specification says.
	WebhookStandard = "standard"
	// WebhookSlack is a Slack incoming-webhook URL: it receives a short
	// message for each new lead and nothing personal beyond name and company.
	WebhookSlack = "slack"
)

// WebhookKinds lists every kind of endpoint.
var WebhookKinds = []string{WebhookStandard, WebhookSlack}

// WebhookEndpoint is a receiver of lead events. The rules for what makes
// one valid (https, no private address, known events) are the webhook
// package's; the store keeps what it is given.
type WebhookEndpoint struct {
	ID          int64
	URL         string
	Kind        string
	Events      string // comma-separated event types, see EventList
	Description string
	// Secret signs every delivery; after a rotation PreviousSecret signs
	// them too until PreviousSecretUntil, so receivers can switch over.
	Secret              string
	PreviousSecret      *string
	PreviousSecretUntil *time.Time
	DisabledAt          *time.Time
	DisabledReason      string
	// FailingSince is the first failure of the current run of failures
	// (nil after a success); FailureStreak counts the failed attempts since.
	FailingSince   *time.Time
	FailureStreak  int
	LastDeliveryAt *time.Time
	LastStatus     int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (WebhookEndpoint) TableName() string { return "webhook_endpoints" }

// EventList is the event types the endpoint subscribes to.
func (e *WebhookEndpoint) EventList() []string {
	if e.Events == "" {
		return nil
	}
	return strings.Split(e.Events, ",")
}

// Subscribes reports whether the endpoint takes events of this type.
func (e *WebhookEndpoint) Subscribes(eventType string) bool {
	return slices.Contains(e.EventList(), eventType)
}

// Disabled reports whether deliveries to the endpoint have stopped.
func (e *WebhookEndpoint) Disabled() bool { return e.DisabledAt != nil }

// SigningSecrets is every secret a delivery at now is signed with: the
// current one, and the previous one during the overlap after a rotation.
func (e *WebhookEndpoint) SigningSecrets(now time.Time) []string {
	s := []string{e.Secret}
	if e.PreviousSecret != nil && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		s = append(s, *e.PreviousSecret)
	}
	return s
}

// JoinEvents is the stored form of a list of event types.
func JoinEvents(events []string) string { return strings.Join(events, ",") }

// WebhookDelivery is one attempt to deliver an event to an endpoint.
type WebhookDelivery struct {
	ID         int64
	EndpointID int64
	EventID    string // the webhook-id header: the same on every attempt and replay
	EventType  string
	LeadID     *int64
	Attempt    int
	StatusCode int // 0: no answer (refused, timed out, cut)
	DurationMS int
	Succeeded  bool
	Response   string // the first 1 KB of the answer
	Error      string
	// OccurredAt and EventData are the event as queued (its time and its
	// small change data as JSON), so "Send again" can queue it as it was.
	OccurredAt *time.Time
	EventData  string
	CreatedAt  time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (WebhookDelivery) TableName() string { return "webhook_deliveries" }

// WebhookDeliveryKeepDays is how long the delivery log is kept.
const WebhookDeliveryKeepDays = 30

// CreateWebhookEndpoint stores a new endpoint and sets its ID.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error {
	if e.ID != 0 {
		return errors.New("create webhook endpoint: already has an id")
	}
	defer s.targets.forget()
	now := time.Now().UTC()
	e.CreatedAt, e.UpdatedAt = now, now
	if err := s.db.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("create webhook endpoint: %w", err)
	}
	return nil
}

// WebhookEndpoints lists every endpoint, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return out, nil
}

// WebhookEndpointByID finds one endpoint, or ErrNotFound.
func (s *Store) WebhookEndpointByID(ctx context.Context, id int64) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find webhook endpoint %d: %w", id, err)
	}
	return &e, nil
}

// UpdateWebhookEndpoint changes an endpoint's address, events and
// description; ErrNotFound if there is none.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, id int64, url string, events []string, description string) error {
	return s.updateEndpoint(ctx, id, map[string]any{"url": url, "events": JoinEvents(events), "description": description})
}

// DisableWebhookEndpoint stops deliveries to an endpoint, saying why.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, id int64, reason string, at time.Time) error {
	return s.updateEndpoint(ctx, id, map[string]any{"disabled_at": at.UTC(), "disabled_reason": reason})
}

// EnableWebhookEndpoint resumes deliveries, with a clean failure streak.
func (s *Store) EnableWebhookEndpoint(ctx context.Context, id int64) error {
	return s.updateEndpoint(ctx, id, map[string]any{
		"disabled_at": nil, "disabled_reason": "", "failing_since": nil, "failure_streak": 0,
	})
}

// RotateWebhookSecret gives an endpoint a new secret; the old one keeps
// signing deliveries too until overlapUntil.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, secret string, overlapUntil time.Time) error {
	return s.updateEndpoint(ctx, id, map[string]any{
		"previous_secret": gorm.Expr("secret"), "previous_secret_until": overlapUntil.UTC(), "secret": secret,
	})
}

func (s *Store) updateEndpoint(ctx context.Context, id int64, set map[string]any) error {
	defer s.targets.forget()
	set["updated_at"] = time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&WebhookEndpoint{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("update webhook endpoint %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// WebhookDeliveries lists an endpoint's delivery attempts, newest first,
// at most limit of them.
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID int64, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := s.db.WithContext(ctx).Where("endpoint_id = ?", endpointID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return out, nil
}

// WebhookDeliveryByID finds one delivery attempt, or ErrNotFound.
func (s *Store) WebhookDeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error) {
	var d WebhookDelivery
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find webhook delivery %d: %w", id, err)
	}
	return &d, nil
}
