package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/webhook"
)

// A Cal.com booking, signed as Cal.com documents it, reaches the whole
// portal and comes out as a lead.updated delivery to the firm's endpoint.
func TestCalComBookingReachesTheWebhookEndpoint(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var mu sync.Mutex
			var types []string
			var updated map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				var b map[string]any
				_ = json.Unmarshal(raw, &b)
				mu.Lock()
				types = append(types, fmt.Sprint(b["type"]))
				if b["type"] == webhook.LeadUpdated {
					updated = b
				}
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()

			const secret = "cal-secret-for-the-whole-app"
			base, a := startApp(t, dialect, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true", "CALCOM_WEBHOOK_SECRET", secret)
			ep := &models.WebhookEndpoint{URL: srv.URL + "/intake", Kind: models.WebhookStandard,
				Events: models.JoinEvents([]string{webhook.LeadUpdated}), Secret: webhook.NewSecret()}
			if err := a.store.CreateWebhookEndpoint(context.Background(), ep); err != nil {
				t.Fatal(err)
			}
			loc := submit(t, base, "Grace Hopper", "grace@example.com")

			body := `{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-12-03T10:00:00.000Z","payload":{"uid":"bk-77","startTime":"2027-01-05T14:00:00Z","endTime":"2027-01-05T14:30:00Z","attendees":[{"email":"Grace@Example.com","name":"Grace Hopper","timeZone":"America/New_York"}]}}`
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(body))
			req, _ := http.NewRequest(http.MethodPost, base+"/hooks/bookings/cal", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Cal-Signature-256", hex.EncodeToString(m.Sum(nil)))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("booking = %d", res.StatusCode)
			}
			lead, err := a.store.LeadByToken(t.Context(), strings.TrimPrefix(loc, "/results/"))
			if err != nil {
				t.Fatal(err)
			}
			if lead.Status != models.StatusContacted || lead.FollowUpOn != "2027-01-05" {
				t.Errorf("lead: status %q, follow-up %q", lead.Status, lead.FollowUpOn)
			}

			deadline := time.Now().Add(15 * time.Second)
			for {
				mu.Lock()
				got := updated
				mu.Unlock()
				if got != nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no lead.updated reached the receiver (got %v)", types)
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			data, _ := updated["data"].(map[string]any)
			changes, _ := data["changes"].(map[string]any)
			if l, _ := data["lead"].(map[string]any); l["email"] != "grace@example.com" ||
				changes["status"] != models.StatusContacted || changes["follow_up_on"] != "2027-01-05" {
				t.Errorf("lead.updated = %v", updated)
			}
		})
	}
}
