package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestWebhookEndpointLifecycle: an endpoint is stored, edited, rotated
// (the old secret signing alongside until the overlap ends), disabled and
// enabled again, on both databases.
func TestWebhookEndpointLifecycle(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			e := &models.WebhookEndpoint{URL: "https://crm.example.com/hooks/intake", Kind: models.WebhookStandard,
				Events: models.JoinEvents([]string{"lead.created", "lead.erased"}), Secret: "whsec_first"}
			if err := store.CreateWebhookEndpoint(ctx, e); err != nil {
				t.Fatal(err)
			}
			if err := store.UpdateWebhookEndpoint(ctx, e.ID, "https://crm.example.com/v2", []string{"lead.updated"}, "CRM sync"); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			if err := store.RotateWebhookSecret(ctx, e.ID, "whsec_second", now.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			got, err := store.WebhookEndpointByID(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != "https://crm.example.com/v2" || got.Description != "CRM sync" {
				t.Errorf("after edit: url %q, description %q", got.URL, got.Description)
			}
			if !got.Subscribes("lead.updated") || got.Subscribes("lead.created") {
				t.Errorf("after edit, events = %v, want [lead.updated]", got.EventList())
			}
			if want := []string{"whsec_second", "whsec_first"}; !slices.Equal(got.SigningSecrets(now), want) {
				t.Errorf("signing secrets during the overlap = %v, want %v", got.SigningSecrets(now), want)
			}
			if want := []string{"whsec_second"}; !slices.Equal(got.SigningSecrets(now.Add(25*time.Hour)), want) {
				t.Errorf("signing secrets after the overlap = %v, want %v", got.SigningSecrets(now.Add(25*time.Hour)), want)
			}

			if err := store.DisableWebhookEndpoint(ctx, e.ID, "the receiver answered 410 Gone", now); err != nil {
				t.Fatal(err)
			}
			got, _ = store.WebhookEndpointByID(ctx, e.ID)
			if !got.Disabled() || got.DisabledReason != "the receiver answered 410 Gone" {
				t.Errorf("after disabling: disabled %v, reason %q", got.Disabled(), got.DisabledReason)
			}
			if err := store.EnableWebhookEndpoint(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			list, err := store.WebhookEndpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Disabled() {
				t.Errorf("after enabling: %d endpoints, disabled %v", len(list), len(list) == 1 && list[0].Disabled())
			}

			if err := store.DisableWebhookEndpoint(ctx, e.ID+1000, "x", now); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("disabling an unknown endpoint: %v, want ErrNotFound", err)
			}
			if _, err := store.WebhookEndpointByID(ctx, e.ID+1000); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("finding an unknown endpoint: %v, want ErrNotFound", err)
			}
		})
	}
}
