package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestLeadCreatedSignedWithBothSecretsDuringRotation: a new lead reaches a
// subscribed endpoint as lead.created with the export's fields, the links
// and each consent's state, and after a rotation the delivery verifies
// with the old and the new secret alike (the reference library checks).
func TestLeadCreatedSignedWithBothSecretsDuringRotation(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL+"/hooks", LeadCreated)
			oldSecret, newSecret := ep.Secret, NewSecret()
			if err := r.store.RotateWebhookSecret(context.Background(), ep.ID, newSecret, time.Now().Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			rc.set([]string{oldSecret, newSecret}, nil) // each must verify on its own
			r.start()
			lead := r.save(r.lead("Ada Lovelace", "ada@example.com", "Analytical Engines"))
			waitFor(t, "the delivery", 10*time.Second, func() bool { return len(rc.accepted()) == 1 })

			for _, got := range rc.accepted() {
				if !strings.HasPrefix(got.id, "msg_") || len(strings.Fields(got.header.Get(HeaderSignature))) != 2 {
					t.Errorf("id %q, signature %q", got.id, got.header.Get(HeaderSignature))
				}
				b := got.body
				if b["type"] != LeadCreated || b["schema_version"] != float64(SchemaVersion) || b["timestamp"] == "" {
					t.Errorf("envelope %v", b)
				}
				data, _ := b["data"].(map[string]any)
				fields, _ := data["lead"].(map[string]any)
				if data["id"] != float64(lead.ID) || fields["lead_id"] != float64(lead.ID) || fields["email"] != "ada@example.com" ||
					fields["first_name"] != "Ada" || fields["company"] != "Analytical Engines" || fields["band"] != lead.Band {
					t.Errorf("lead data %v", data)
				}
				for _, d := range r.def.Dimensions {
					if _, ok := fields["score_"+d.ID]; !ok {
						t.Errorf("no score_%s in %v", d.ID, fields)
					}
				}
				if data["result_url"] != testBaseURL+"/results/"+lead.Token || data["lead_url"] != fmt.Sprintf("%s/admin/leads/%d", testBaseURL, lead.ID) {
					t.Errorf("links %v, %v", data["result_url"], data["lead_url"])
				}
				consents, _ := data["consents"].([]any)
				if len(consents) != 2 {
					t.Fatalf("consents %v", data["consents"])
				}
				for _, c := range consents {
					c := c.(map[string]any)
					if c["active"] != true || c["granted"] != true || c["purpose"] == "" {
						t.Errorf("consent %v", c)
					}
				}
			}
			// The worker logs the attempt after the receiver has answered.
			var log []models.WebhookDelivery
			waitFor(t, "the delivery log", 10*time.Second, func() bool { log = r.deliveries(ep.ID); return len(log) > 0 })
			if len(log) != 1 || !log[0].Succeeded || log[0].StatusCode != 204 || log[0].Attempt != 1 || log[0].LeadID == nil || *log[0].LeadID != lead.ID {
				t.Errorf("delivery log %+v", log)
			}
			if e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID); e.LastStatus != 204 || e.LastDeliveryAt == nil || e.FailingSince != nil {
				t.Errorf("endpoint after success: %+v", e)
			}
		})
	}
}

// TestReceiverDownDuring20Submissions: with the receiver failing (503,
// then closed) while 20 leads are saved, every lead.created arrives once
// it is back: 20 distinct webhook-ids, one per lead, retries keeping the id.
func TestReceiverDownDuring20Submissions(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated, LeadUpdated)
			rc.set([]string{ep.Secret}, func(w http.ResponseWriter, n int) bool {
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			})
			r.start()
			leads := map[int64]bool{}
			for i := range 20 {
				l := r.save(r.lead(fmt.Sprintf("Lead %d", i), fmt.Sprintf("lead%d@example.com", i), "Acme"))
				leads[l.ID] = true
			}
			waitFor(t, "failed attempts for every lead", 20*time.Second, func() bool { return len(r.deliveries(ep.ID)) >= 20 })
			// Then nobody answers at all for a while.
			rc.set([]string{ep.Secret}, func(w http.ResponseWriter, n int) bool {
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				conn.Close()
				return true
			})
			waitFor(t, "attempts on a closed connection", 20*time.Second, func() bool {
				for _, d := range r.deliveries(ep.ID) {
					if d.StatusCode == 0 {
						return true
					}
				}
				return false
			})
			rc.set([]string{ep.Secret}, nil)
			waitFor(t, "all 20 delivered", 60*time.Second, func() bool { return len(rc.accepted()) == 20 })

			covered := map[int64]string{}
			for id, got := range rc.accepted() {
				data, _ := got.body["data"].(map[string]any)
				leadID := int64(data["id"].(float64))
				if prev, dup := covered[leadID]; dup {
					t.Errorf("lead %d arrived under two ids, %s and %s", leadID, prev, id)
				}
				covered[leadID] = id
			}
			for id := range leads {
				if covered[id] == "" {
					t.Errorf("lead %d never arrived", id)
				}
			}
			// Retries kept each event's id: every request's id is one of the 20.
			for _, req := range rc.requests() {
				if _, ok := rc.accepted()[req.id]; !ok {
					t.Errorf("a request carried id %q, which never succeeded", req.id)
				}
			}
			if e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID); e.FailingSince != nil || e.Disabled() {
				t.Errorf("endpoint after recovery: failing since %v, disabled %v", e.FailingSince, e.Disabled())
			}
		})
	}
}

// TestGoneDisablesTheEndpoint: 410 disables the endpoint with the reason,
// tells the admins once, and nothing more is sent to it.
func TestGoneDisablesTheEndpoint(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
			rc.set(nil, func(w http.ResponseWriter, n int) bool { w.WriteHeader(http.StatusGone); return true })
			r.start()
			r.save(r.lead("Ada", "ada@example.com", "Acme"))
			waitFor(t, "the endpoint disabled", 10*time.Second, func() bool {
				e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID)
				return e.Disabled()
			})
			e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID)
			if !strings.Contains(e.DisabledReason, "410") {
				t.Errorf("reason %q", e.DisabledReason)
			}
			waitFor(t, "the admins' notice", 10*time.Second, func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.notices) == 1 })
			r.save(r.lead("Bob", "bob@example.com", "Acme"))
			time.Sleep(300 * time.Millisecond)
			if n := len(rc.requests()); n != 1 {
				t.Errorf("%d requests reached a disabled endpoint's receiver, want the one answered 410", n)
			}
		})
	}
}

// TestClientErrorNotRetried: 400 fails the delivery at once, logged, and
// the job is cancelled rather than retried.
func TestClientErrorNotRetried(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
			rc.set(nil, func(w http.ResponseWriter, n int) bool {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte("unknown \xff field \x00"))
				return true
			})
			r.start()
			r.save(r.lead("Ada", "ada@example.com", "Acme"))
			waitFor(t, "the job cancelled", 10*time.Second, func() bool { return r.jobStates()["cancelled"] == 1 })
			time.Sleep(200 * time.Millisecond) // a retry would come after 20 ms
			if n := len(rc.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			log := r.deliveries(ep.ID)
			if len(log) != 1 || log[0].Succeeded || log[0].StatusCode != 400 || !strings.Contains(log[0].Error, "400") {
				t.Fatalf("log %+v", log)
			}
			if !strings.Contains(log[0].Response, "unknown") || strings.ContainsRune(log[0].Response, 0) {
				t.Errorf("answer stored as %q", log[0].Response)
			}
			if e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID); e.Disabled() || e.FailingSince == nil || e.FailureStreak != 1 {
				t.Errorf("endpoint after a 400: %+v", e)
			}
		})
	}
}

// TestRetryAfterHonoured: after a 429 asking for 1 second, the next
// attempt comes no sooner, though the backoff alone would be 20 ms.
func TestRetryAfterHonoured(t *testing.T) {
	r := newRig(t, models.SQLite, nil)
	rc := newReceiver(t)
	r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
	rc.set(nil, func(w http.ResponseWriter, n int) bool {
		if n > 0 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	r.start()
	r.save(r.lead("Ada", "ada@example.com", "Acme"))
	waitFor(t, "the second attempt", 15*time.Second, func() bool { return len(rc.accepted()) == 1 })
	reqs := rc.requests()
	if len(reqs) != 2 || reqs[0].id != reqs[1].id {
		t.Fatalf("requests %d (ids %v)", len(reqs), reqs)
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second {
		t.Errorf("retried after %v, before the 1 s Retry-After", gap)
	}
}

// TestNeverAnsweringReceiverTimesOut: each attempt ends at the timeout and
// is logged as a failure to retry.
func TestNeverAnsweringReceiverTimesOut(t *testing.T) {
	r := newRig(t, models.SQLite, func(wc *WorkerConfig) { wc.Timeout = 200 * time.Millisecond; wc.RetryBase = time.Hour })
	release := make(chan struct{})
	defer close(release)
	rc := newReceiver(t)
	ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
	rc.set(nil, func(w http.ResponseWriter, n int) bool { <-release; return true })
	r.start()
	r.save(r.lead("Ada", "ada@example.com", "Acme"))
	waitFor(t, "the attempt logged", 10*time.Second, func() bool { return len(r.deliveries(ep.ID)) == 1 })
	d := r.deliveries(ep.ID)[0]
	if d.Succeeded || d.StatusCode != 0 || !strings.Contains(d.Error, "timed out") {
		t.Errorf("logged %+v", d)
	}
	waitFor(t, "the job waiting to retry", 10*time.Second, func() bool { return r.jobStates()["retryable"] == 1 })
}

// TestErasureEmitsLeadErasedWithNothingPersonal: erasing a lead sends
// lead.erased with its id only.
func TestErasureEmitsLeadErasedWithNothingPersonal(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadErased)
			rc.set([]string{ep.Secret}, nil)
			r.start()
			fox := r.save(r.lead("Fox Mulder", "fox.mulder@xfiles.example", "Unexplained Bureau"))
			admin, err := r.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.store.EraseLead(context.Background(), fox.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "lead.erased", 10*time.Second, func() bool { return len(rc.accepted()) == 1 })
			for _, got := range rc.accepted() {
				if got.body["type"] != LeadErased {
					t.Errorf("type %v", got.body["type"])
				}
				if want := fmt.Sprintf(`"data":{"id":%d}}`, fox.ID); !strings.HasSuffix(string(got.raw), want) {
					t.Errorf("body %s, want data %s", got.raw, want)
				}
				for _, needle := range []string{"Fox", "Mulder", "xfiles", "Unexplained", "COO", "autumn"} {
					if strings.Contains(strings.ToLower(string(got.raw)), strings.ToLower(needle)) {
						t.Errorf("lead.erased holds %q: %s", needle, got.raw)
					}
				}
			}
		})
	}
}

// TestQuarantineEmitsNothingUntilReleased: a suspect submission is heard
// of only once an admin releases it.
func TestQuarantineEmitsNothingUntilReleased(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
			r.start()
			q, err := r.store.Quarantine(context.Background(), r.lead("Bot", "bot@example.com", "Spam"), models.QuarantineHoneypot)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond) // the queue polls each second on SQLite; PostgreSQL is told at once
			if n := len(rc.requests()); n != 0 || len(r.jobStates()) != 0 {
				t.Fatalf("a quarantined submission was sent (%d requests, jobs %v)", n, r.jobStates())
			}
			lead, err := r.store.ReleaseQuarantined(context.Background(), q.ID, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "lead.created on release", 10*time.Second, func() bool { return len(rc.accepted()) == 1 })
			for _, got := range rc.accepted() {
				data, _ := got.body["data"].(map[string]any)
				if got.body["type"] != LeadCreated || data["id"] != float64(lead.ID) {
					t.Errorf("released lead arrived as %s", got.raw)
				}
			}
		})
	}
}

// TestUpdatesAndConsentCarryTheirChange: lead.updated says which fields
// changed and their new values; lead.consent_withdrawn names the purpose.
func TestUpdatesAndConsentCarryTheirChange(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			r.endpoint(models.WebhookStandard, rc.srv.URL, LeadUpdated, LeadConsentWithdrawn)
			r.start()
			ctx := context.Background()
			lead := r.save(r.lead("Ada", "ada@example.com", "Acme"))
			admin, _ := r.store.CreateUser(ctx, "dana@stellapop.example", "Dana", models.RoleAdmin, "correct horse battery staple")
			if err := r.store.SetLeadStatus(ctx, lead.ID, 1, models.StatusQualified, admin.ID); err != nil {
				t.Fatal(err)
			}
			if err := r.store.SetLeadFollowUp(ctx, lead.ID, 2, "2027-02-01", admin.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := r.store.WithdrawConsent(ctx, lead.ID, models.PurposeMarketing, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "three events", 10*time.Second, func() bool { return len(rc.accepted()) == 3 })
			var seen []string
			for _, got := range rc.accepted() {
				data, _ := got.body["data"].(map[string]any)
				switch got.body["type"] {
				case LeadUpdated:
					seen = append(seen, fmt.Sprint(data["changes"]))
				case LeadConsentWithdrawn:
					seen = append(seen, "withdrawn "+fmt.Sprint(data["purpose"]))
					for _, c := range data["consents"].([]any) {
						c := c.(map[string]any)
						if c["purpose"] == models.PurposeMarketing && (c["active"] != false || c["withdrawn_at"] == nil) {
							t.Errorf("withdrawn consent shown as %v", c)
						}
					}
				}
			}
			all := strings.Join(seen, "; ")
			for _, want := range []string{"map[status:qualified]", "map[follow_up_on:2027-02-01]", "withdrawn marketing"} {
				if !strings.Contains(all, want) {
					t.Errorf("events %q lack %q", all, want)
				}
			}
		})
	}
}

// TestSlackGetsANewLeadAndNothingElse: a Slack endpoint receives a Block
// Kit message naming the lead, its company, band and index with a link to
// its page, no address and no answers, unsigned; other events are not
// sent to it.
func TestSlackGetsANewLeadAndNothingElse(t *testing.T) {
	r := newRig(t, models.SQLite, nil)
	rc := newReceiver(t)
	ep := r.endpoint(models.WebhookSlack, rc.srv.URL+"/services/T000/B000/XXXX", LeadCreated, LeadUpdated)
	r.start()
	lead := r.save(r.lead("Ada <b>Lovelace</b>", "ada@example.com", "Analytical & Co"))
	admin, _ := r.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana", models.RoleAdmin, "correct horse battery staple")
	if err := r.store.SetLeadStatus(context.Background(), lead.ID, 1, models.StatusWon, admin.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Slack message", 10*time.Second, func() bool { return len(rc.requests()) == 1 })
	time.Sleep(1200 * time.Millisecond)
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to Slack, want only lead.created", len(reqs))
	}
	msg := string(reqs[0].raw)
	band, _ := r.def.Band(lead.Band)
	for _, want := range []string{`"blocks"`, "Ada &lt;b&gt;Lovelace&lt;/b&gt;", "Analytical &amp; Co", band.Title, fmt.Sprint(lead.OverallIndex),
		fmt.Sprintf("%s/admin/leads/%d", testBaseURL, lead.ID)} {
		if !strings.Contains(msg, want) {
			t.Errorf("Slack message lacks %q: %s", want, msg)
		}
	}
	for _, never := range []string{"ada@example.com", r.def.Questions[0].Text} {
		if strings.Contains(msg, never) {
			t.Errorf("Slack message holds %q", never)
		}
	}
	if reqs[0].header.Get(HeaderSignature) != "" {
		t.Error("a Slack message was signed")
	}
	if log := r.deliveries(ep.ID); len(log) != 1 || !log[0].Succeeded {
		t.Errorf("log %+v", log)
	}
}

// TestSendTestAndRedeliver: a test event reaches an endpoint that
// subscribes to nothing of it; a logged delivery is sent again with its
// original id and body shape; unknown ids are ErrNotFound.
func TestSendTestAndRedeliver(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect, nil)
			rc := newReceiver(t)
			ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadUpdated)
			rc.set([]string{ep.Secret}, nil)
			r.start()
			ctx := context.Background()
			if err := r.dispatcher.SendTest(ctx, ep.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the test event", 10*time.Second, func() bool { return len(rc.requests()) == 1 })
			if got := rc.requests()[0].body; got["type"] != Test {
				t.Errorf("test event %v", got)
			}

			lead := r.save(r.lead("Ada", "ada@example.com", "Acme"))
			admin, _ := r.store.CreateUser(ctx, "dana@stellapop.example", "Dana", models.RoleAdmin, "correct horse battery staple")
			if err := r.store.SetLeadStatus(ctx, lead.ID, 1, models.StatusContacted, admin.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "lead.updated", 10*time.Second, func() bool { return len(rc.requests()) == 2 })
			var original models.WebhookDelivery
			for _, d := range r.deliveries(ep.ID) {
				if d.EventType == LeadUpdated {
					original = d
				}
			}
			if err := r.dispatcher.Redeliver(ctx, original.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the replay", 10*time.Second, func() bool { return len(rc.requests()) == 3 })
			first, again := rc.requests()[1], rc.requests()[2]
			if again.id != original.EventID || again.id != first.id {
				t.Errorf("replayed with id %q, want the original %q", again.id, original.EventID)
			}
			if again.body["timestamp"] != first.body["timestamp"] || fmt.Sprint(again.body["data"].(map[string]any)["changes"]) != "map[status:contacted]" {
				t.Errorf("replay body %s, first %s", again.raw, first.raw)
			}
			if err := r.dispatcher.SendTest(ctx, 999999); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("SendTest to no endpoint: %v", err)
			}
			if err := r.dispatcher.Redeliver(ctx, 999999); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("Redeliver of no delivery: %v", err)
			}
		})
	}
}

// TestFailingThreeDaysDisables: a failure when the endpoint has failed
// without a success for three days disables it and tells the admins.
func TestFailingThreeDaysDisables(t *testing.T) {
	r := newRig(t, models.SQLite, nil)
	rc := newReceiver(t)
	ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
	rc.set(nil, func(w http.ResponseWriter, n int) bool { w.WriteHeader(http.StatusInternalServerError); return true })
	old := &models.WebhookDelivery{EndpointID: ep.ID, EventID: "msg_old", EventType: LeadCreated, Attempt: 1, StatusCode: 500,
		Error: "HTTP 500", CreatedAt: time.Now().UTC().Add(-FailingDisableAfter - time.Hour)}
	if _, err := r.store.RecordWebhookAttempt(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	r.start()
	r.save(r.lead("Ada", "ada@example.com", "Acme"))
	waitFor(t, "the endpoint disabled", 10*time.Second, func() bool {
		e, _ := r.store.WebhookEndpointByID(context.Background(), ep.ID)
		return e.Disabled()
	})
	waitFor(t, "the admins' notice", 10*time.Second, func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.notices) == 1 })
	r.mu.Lock()
	n := r.notices[0]
	r.mu.Unlock()
	if !strings.Contains(n.Text, "three days") || strings.Contains(n.Text, rc.srv.URL+"/") {
		t.Errorf("notice %+v", n)
	}
	waitFor(t, "the job cancelled", 10*time.Second, func() bool { return r.jobStates()["cancelled"] == 1 })
}

// TestDisabledEndpointsJobsDropQuietly: events queued before an endpoint
// was disabled are dropped when they come to run, with nothing sent or
// logged.
func TestDisabledEndpointsJobsDropQuietly(t *testing.T) {
	r := newRig(t, models.SQLite, nil)
	rc := newReceiver(t)
	ep := r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
	r.save(r.lead("Ada", "ada@example.com", "Acme"))
	if err := r.store.DisableWebhookEndpoint(context.Background(), ep.ID, "paused by an admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	r.start()
	waitFor(t, "the job cancelled", 10*time.Second, func() bool { return r.jobStates()["cancelled"] == 1 })
	if len(rc.requests()) != 0 || len(r.deliveries(ep.ID)) != 0 {
		t.Errorf("a disabled endpoint got %d requests, %d log rows", len(rc.requests()), len(r.deliveries(ep.ID)))
	}
}
