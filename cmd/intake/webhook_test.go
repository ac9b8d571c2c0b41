package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/webhook"
)

// TestSubmissionReachesWebhookEndpoint: a diagnostic sent through the site
// reaches a subscribed endpoint (a receiver on loopback, allowed by
// WEBHOOK_ALLOW_PRIVATE_NETWORKS) as a lead.created that the Standard
// Webhooks reference library verifies, carrying the lead's details.
func TestSubmissionReachesWebhookEndpoint(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			secret := webhook.NewSecret()
			verifier, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var bodies []map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				if err := verifier.Verify(raw, r.Header); err != nil {
					t.Errorf("delivery does not verify: %v", err)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				var b map[string]any
				_ = json.Unmarshal(raw, &b)
				mu.Lock()
				bodies = append(bodies, b)
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()

			base, a := startApp(t, dialect, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
			ep := &models.WebhookEndpoint{URL: srv.URL + "/intake", Kind: models.WebhookStandard,
				Events: models.JoinEvents([]string{webhook.LeadCreated}), Secret: secret}
			if err := a.store.CreateWebhookEndpoint(context.Background(), ep); err != nil {
				t.Fatal(err)
			}
			submit(t, base, "Grace Hopper", "grace@example.com")
			deadline := time.Now().Add(15 * time.Second)
			for {
				mu.Lock()
				n := len(bodies)
				mu.Unlock()
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no delivery reached the receiver")
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			b := bodies[0]
			data, _ := b["data"].(map[string]any)
			lead, _ := data["lead"].(map[string]any)
			if b["type"] != webhook.LeadCreated || lead["email"] != "grace@example.com" || lead["last_name"] != "Hopper" {
				t.Errorf("delivered %v", b)
			}
		})
	}
}
