package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// eventLog records the lead events a store emits, as the webhook
// dispatcher would receive them.
type eventLog struct {
	mu     sync.Mutex
	events []models.LeadEvent
	fail   error // returned by the hook, to prove it runs inside the change
}

func (l *eventLog) hook(_ context.Context, tx models.Tx, events []models.LeadEvent) error {
	if tx.SQL == nil && tx.Pgx == nil {
		return errors.New("no transaction")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.events = append(l.events, events...)
	return nil
}

func (l *eventLog) take() []models.LeadEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

func summary(events []models.LeadEvent) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.Type)
		for _, k := range []string{"status", "owner_id", "follow_up_on", "purpose"} {
			if v, ok := e.Data[k]; ok {
				b.WriteString(" " + k + "=")
				switch v := v.(type) {
				case *int64:
					if v == nil {
						b.WriteString("nil")
					} else {
						b.WriteString("id")
					}
				case string:
					b.WriteString(v)
				}
			}
		}
		b.WriteString("; ")
	}
	return b.String()
}

// TestLeadEventsEmittedInTheChange: every change a receiver hears of
// emits its event inside its own transaction, once, with ids and codes
// only; a quarantined submission emits nothing until it is released, and
// a hook's failure undoes the change.
func TestLeadEventsEmittedInTheChange(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			log := &eventLog{}
			store.OnLeadEvents(log.hook)
			admin, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}

			fox := foxMulder(t)
			if err := store.SaveLead(ctx, fox); err != nil {
				t.Fatal(err)
			}
			expect := func(step, want string) {
				t.Helper()
				got := log.take()
				if s := summary(got); s != want {
					t.Errorf("%s: events %q, want %q", step, s, want)
				}
				for _, e := range got {
					if e.LeadID == 0 || e.At.IsZero() {
						t.Errorf("%s: event %+v lacks its lead or time", step, e)
					}
				}
			}
			expect("save", "lead.created; ")

			if err := store.SetLeadStatus(ctx, fox.ID, 1, models.StatusQualified, admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("status", "lead.updated status=qualified; ")
			if err := store.SetLeadStatus(ctx, fox.ID, 2, models.StatusQualified, admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("same status again", "")
			if err := store.SetLeadOwner(ctx, fox.ID, 2, &admin.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("owner", "lead.updated owner_id=id; ")
			if err := store.SetLeadFollowUp(ctx, fox.ID, 3, "2027-01-15", admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("follow-up", "lead.updated follow_up_on=2027-01-15; ")
			if _, err := store.WithdrawConsent(ctx, fox.ID, models.PurposeMarketing, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			expect("withdraw", "lead.consent_withdrawn purpose=marketing; ")
			if _, err := store.WithdrawConsent(ctx, fox.ID, models.PurposeMarketing, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			expect("withdraw again", "")
			if _, err := store.EraseLead(ctx, fox.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("erase", "lead.erased; ")
			if _, err := store.EraseLead(ctx, fox.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			expect("erase again", "")

			// Quarantine: nothing until released.
			held := sampleLead(t)
			q, err := store.Quarantine(ctx, held, models.QuarantineHoneypot)
			if err != nil {
				t.Fatal(err)
			}
			expect("quarantine", "")
			released, err := store.ReleaseQuarantined(ctx, q.ID, &admin.ID, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			expect("release", "lead.created; ")

			// Retention anonymises as erasure does, and says so.
			old := sampleLead(t)
			old.CreatedAt = time.Now().UTC().AddDate(0, 0, -40)
			if err := store.SaveLead(ctx, old); err != nil {
				t.Fatal(err)
			}
			log.take()
			if n, err := store.ApplyRetention(ctx, models.Retention{Days: 30}); err != nil || n != 1 {
				t.Fatalf("retention: %d, %v", n, err)
			}
			got := log.take()
			if len(got) != 1 || got[0].Type != models.EventLeadErased || got[0].LeadID != old.ID {
				t.Errorf("retention emitted %+v, want lead.erased for lead %d", got, old.ID)
			}

			// The hook runs inside the change: its failure undoes it.
			log.fail = errors.New("queue unavailable")
			err = store.SetLeadStatus(ctx, released.ID, 1, models.StatusWon, admin.ID)
			if !errors.Is(err, log.fail) {
				t.Fatalf("status change with a failing hook: %v", err)
			}
			if l, _ := store.LeadByID(ctx, released.ID); l.Status != models.StatusNew {
				t.Errorf("the change committed without its event: status %q", l.Status)
			}
			n, _ := store.CountLeads(ctx)
			if err := store.SaveLead(ctx, sampleLead(t)); !errors.Is(err, log.fail) {
				t.Fatalf("save with a failing hook: %v", err)
			}
			if m, _ := store.CountLeads(ctx); m != n {
				t.Errorf("a lead was saved without its event: %d leads, want %d", m, n)
			}
		})
	}
}

// crmEndpoint adds a standard endpoint for lead.created, described "CRM".
func crmEndpoint(t *testing.T, store *models.Store) *models.WebhookEndpoint {
	t.Helper()
	e := &models.WebhookEndpoint{URL: "https://crm.example.com/in", Kind: models.WebhookStandard,
		Events: models.JoinEvents([]string{models.EventLeadCreated}), Secret: "whsec_x", Description: "CRM"}
	if err := store.CreateWebhookEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWebhookAttemptsAndTargets: the delivery log records attempts and the
// endpoint's streak; the purge keeps the last 30 days; disabling once runs
// its hook once; the enabled endpoints' list follows changes made here.
func TestWebhookAttemptsAndTargets(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			e := crmEndpoint(t, store)
			targets := func() []models.WebhookEndpoint {
				t.Helper()
				var out []models.WebhookEndpoint
				err := store.InTx(ctx, func(ctx context.Context, tx models.Tx) error {
					var err error
					out, err = store.WebhookTargets(ctx, tx)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			if got := targets(); len(got) != 1 || got[0].ID != e.ID || !got[0].Subscribes(models.EventLeadCreated) {
				t.Fatalf("targets = %+v", got)
			}

			t0 := time.Now().UTC().Add(-time.Hour)
			fail := &models.WebhookDelivery{EndpointID: e.ID, EventID: "msg_1", EventType: models.EventLeadCreated, Attempt: 1, StatusCode: 503, Error: "HTTP 503", CreatedAt: t0}
			got, err := store.RecordWebhookAttempt(ctx, fail)
			if err != nil {
				t.Fatal(err)
			}
			if got.FailingSince == nil || got.FailingSince.Sub(t0).Abs() > time.Millisecond || got.FailureStreak != 1 || got.LastStatus != 503 {
				t.Errorf("after a failure: failing since %v, streak %d, status %d", got.FailingSince, got.FailureStreak, got.LastStatus)
			}
			if fail.ID == 0 {
				t.Error("the logged delivery got no id")
			}
			stray := &models.WebhookDelivery{EndpointID: e.ID + 100, EventID: "msg_x", EventType: models.EventLeadCreated, Attempt: 1, CreatedAt: t0}
			if _, err := store.RecordWebhookAttempt(ctx, stray); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("an attempt at an unknown endpoint: %v, want ErrNotFound", err)
			}
			again := *fail
			again.ID, again.Attempt, again.CreatedAt = 0, 2, t0.Add(time.Minute)
			got, _ = store.RecordWebhookAttempt(ctx, &again)
			if got.FailureStreak != 2 || got.FailingSince.Sub(t0).Abs() > time.Millisecond {
				t.Errorf("after a second failure: failing since %v (want the first), streak %d", got.FailingSince, got.FailureStreak)
			}
			ok := &models.WebhookDelivery{EndpointID: e.ID, EventID: "msg_1", EventType: models.EventLeadCreated, Attempt: 3, StatusCode: 204, Succeeded: true}
			got, _ = store.RecordWebhookAttempt(ctx, ok)
			if got.FailingSince != nil || got.FailureStreak != 0 || got.LastStatus != 204 || got.LastError != "" {
				t.Errorf("after a success: failing since %v, streak %d, status %d, error %q", got.FailingSince, got.FailureStreak, got.LastStatus, got.LastError)
			}
			log, _ := store.WebhookDeliveries(ctx, e.ID, 10)
			if len(log) != 3 {
				t.Fatalf("log has %d rows, want 3", len(log))
			}

			// A run of successes writes the endpoint's row at most once a
			// second, unless one brings news (another status). Each is
			// logged all the same.
			t1 := time.Now().UTC().Truncate(time.Millisecond).Add(2 * time.Second) // over a second after the success above
			for _, step := range []struct {
				after  time.Duration
				status int
				want   time.Duration // the endpoint's last delivery, after t1
			}{
				{0, 204, 0},
				{400 * time.Millisecond, 204, 0}, // the same news within the second: left alone
				{900 * time.Millisecond, 200, 900 * time.Millisecond},   // another status
				{1500 * time.Millisecond, 200, 900 * time.Millisecond},  // within a second of the last written
				{1900 * time.Millisecond, 200, 1900 * time.Millisecond}, // a second after it
			} {
				d := &models.WebhookDelivery{EndpointID: e.ID, EventID: "msg_run", EventType: models.EventLeadCreated, Attempt: 1,
					StatusCode: step.status, Succeeded: true, CreatedAt: t1.Add(step.after)}
				got, err := store.RecordWebhookAttempt(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				stored, err := store.WebhookEndpointByID(ctx, e.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, ep := range []*models.WebhookEndpoint{got, stored} {
					if ep.LastDeliveryAt == nil || !ep.LastDeliveryAt.Equal(t1.Add(step.want)) || ep.FailureStreak != 0 {
						t.Errorf("success at +%s (HTTP %d): last delivery %v, want +%s", step.after, step.status, ep.LastDeliveryAt, step.want)
					}
				}
			}
			if log, _ := store.WebhookDeliveries(ctx, e.ID, 20); len(log) != 8 {
				t.Errorf("log has %d rows, want 8: every attempt is logged", len(log))
			}

			ancient := &models.WebhookDelivery{EndpointID: e.ID, EventID: "msg_0", EventType: models.EventLeadCreated, Attempt: 1,
				CreatedAt: time.Now().UTC().AddDate(0, 0, -models.WebhookDeliveryKeepDays-1)}
			if _, err := store.RecordWebhookAttempt(ctx, ancient); err != nil {
				t.Fatal(err)
			}
			n, err := store.PurgeWebhookDeliveries(ctx, time.Now().UTC().AddDate(0, 0, -models.WebhookDeliveryKeepDays))
			if err != nil || n != 1 {
				t.Errorf("purge deleted %d, %v; want the one older row", n, err)
			}

			calls := 0
			for range 2 {
				if _, err := store.DisableWebhookEndpointOnce(ctx, e.ID, "gone", time.Now(), func(context.Context, models.Tx) error { calls++; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			if calls != 1 {
				t.Errorf("disabling twice ran the hook %d times, want 1", calls)
			}
			if got := targets(); len(got) != 0 {
				t.Errorf("a disabled endpoint is still a target: %+v", got)
			}
			if err := store.EnableWebhookEndpoint(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			if got := targets(); len(got) != 1 {
				t.Errorf("the enabled endpoint is not a target again: %+v", got)
			}
		})
	}
}

// TestWebhookDeliveryData: a delivery reads its endpoint and its lead
// together, and says which of them is missing.
func TestWebhookDeliveryData(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			e := crmEndpoint(t, store)
			lead := sampleLead(t)
			if err := store.SaveLead(ctx, lead); err != nil {
				t.Fatal(err)
			}

			ep, got, err := store.WebhookDeliveryData(ctx, e.ID, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ep.ID != e.ID || ep.URL != "https://crm.example.com/in" || ep.Secret != "whsec_x" || ep.Description != "CRM" || ep.CreatedAt.Location() != time.UTC {
				t.Errorf("endpoint = %+v", ep)
			}
			if got.ID != lead.ID || got.Name != "Ada O'Neil" || len(got.Answers) != 2 || len(got.Scores) != 2 || len(got.Consents) != 2 {
				t.Errorf("lead = %+v", got)
			}

			ep, got, err = store.WebhookDeliveryData(ctx, e.ID, 0) // an event that names no lead
			if err != nil || ep == nil || ep.ID != e.ID || got != nil {
				t.Errorf("without a lead: %v, %v, %v; want the endpoint alone", ep, got, err)
			}
			ep, got, err = store.WebhookDeliveryData(ctx, e.ID, lead.ID+100)
			if !errors.Is(err, models.ErrNotFound) || ep == nil || ep.ID != e.ID || got != nil {
				t.Errorf("no such lead: %v, %v, %v; want the endpoint and ErrNotFound", ep, got, err)
			}
			ep, got, err = store.WebhookDeliveryData(ctx, e.ID+100, lead.ID)
			if !errors.Is(err, models.ErrNotFound) || ep != nil || got != nil {
				t.Errorf("no such endpoint: %v, %v, %v; want ErrNotFound alone", ep, got, err)
			}
		})
	}
}
