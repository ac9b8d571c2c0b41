package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/models"
)

// ErrDisabled means the endpoint is disabled: nothing is delivered to it
// until an admin enables it again.
var ErrDisabled = errors.New("the endpoint is disabled")

// Dispatcher queues deliveries: each lead event for each enabled endpoint
// that subscribes to it, inside the change's transaction, and an admin's
// test events and replays.
type Dispatcher struct {
	store *models.Store
	queue *jobs.Queue
}

// NewDispatcher queues deliveries on q.
func NewDispatcher(store *models.Store, q *jobs.Queue) *Dispatcher {
	return &Dispatcher{store: store, queue: q}
}

// EnqueueLeadEvents queues one delivery per event and subscribed endpoint
// in tx, the transaction of the change; it is a models.LeadEventHook (see
// models.Store.OnLeadEvents). Slack endpoints take only lead.created. The
// endpoints come from the store's short-lived list, so a submission pays
// no query for them most of the time, and nothing at all when none is
// subscribed.
func (d *Dispatcher) EnqueueLeadEvents(ctx context.Context, tx models.Tx, events []models.LeadEvent) error {
	targets, err := d.store.WebhookTargets(ctx, tx)
	if err != nil || len(targets) == 0 {
		return err
	}
	var params []river.InsertManyParams
	for _, ev := range events {
		for i := range targets {
			ep := &targets[i]
			if !ep.Subscribes(ev.Type) || (ep.Kind == models.WebhookSlack && ev.Type != LeadCreated) {
				continue
			}
			params = append(params, river.InsertManyParams{Args: WebhookArgs{
				EndpointID: ep.ID, EventID: NewEventID(), EventType: ev.Type, LeadID: ev.LeadID,
				OccurredAt: eventTime(ev.At), Data: ev.Data,
			}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if err := d.queue.Insert(ctx, tx, params...); err != nil {
		return fmt.Errorf("queue webhook events: %w", err)
	}
	return nil
}

// SendTest queues a webhook.test event to the endpoint now, whether or not
// it subscribes to anything, and even when it is disabled (so an admin can
// check a receiver before enabling it again). An unknown endpoint is
// models.ErrNotFound.
func (d *Dispatcher) SendTest(ctx context.Context, endpointID int64) error {
	if _, err := d.store.WebhookEndpointByID(ctx, endpointID); err != nil {
		return err
	}
	return d.insert(ctx, WebhookArgs{EndpointID: endpointID, EventID: NewEventID(), EventType: Test, OccurredAt: eventTime(time.Now())})
}

// Redeliver queues a logged delivery's event again, with its original id
// (receivers that saw it already drop it), to the same endpoint. An
// unknown delivery or endpoint is models.ErrNotFound; a disabled endpoint
// is ErrDisabled.
func (d *Dispatcher) Redeliver(ctx context.Context, deliveryID int64) error {
	del, err := d.store.WebhookDeliveryByID(ctx, deliveryID)
	if err != nil {
		return err
	}
	ep, err := d.store.WebhookEndpointByID(ctx, del.EndpointID)
	if err != nil {
		return err
	}
	if ep.Disabled() && del.EventType != Test {
		return ErrDisabled
	}
	a := WebhookArgs{EndpointID: ep.ID, EventID: del.EventID, EventType: del.EventType, OccurredAt: del.CreatedAt.UTC()}
	if del.OccurredAt != nil {
		a.OccurredAt = del.OccurredAt.UTC()
	}
	if del.LeadID != nil {
		a.LeadID = *del.LeadID
	}
	if del.EventData != "" {
		if err := json.Unmarshal([]byte(del.EventData), &a.Data); err != nil {
			return fmt.Errorf("redeliver %d: its event data: %w", deliveryID, err)
		}
	}
	return d.insert(ctx, a)
}

func (d *Dispatcher) insert(ctx context.Context, a WebhookArgs) error {
	err := d.store.InTx(ctx, func(ctx context.Context, tx models.Tx) error {
		return d.queue.Insert(ctx, tx, river.InsertManyParams{Args: a})
	})
	if err != nil {
		return fmt.Errorf("queue %s for endpoint %d: %w", a.EventType, a.EndpointID, err)
	}
	return nil
}

// eventTime is an event's time as the delivery log keeps it (PostgreSQL
// keeps microseconds), so a replay's body says the same time as the first.
func eventTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
