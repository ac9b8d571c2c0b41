package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/webhook"
)

// A receiver's address as long as real ones get. Every address here is an
// IP literal: nothing is looked up, and nothing is sent (this branch's
// server has no webhook delivery).
const longHookURL = "https://1.1.1.1/hooks/intake/organisationsentwicklung-fuehrungskraefteberatung/rahmenvertrag-2027?tenant=internationale-vereinigung-fuer-organisationsentwicklung"

// TestAdminManagesIntegrationsOnAPhone adds an endpoint from a phone (a
// private address first, refused with its message by the field), sees its
// secret once, and opens the list and an endpoint's delivery log at both
// widths: nothing sticks out of the screen, and axe finds nothing.
func TestAdminManagesIntegrationsOnAPhone(t *testing.T) {
	logs := &syncBuffer{}
	var secrets []string
	// Registered before the app starts, so it runs after the app has
	// stopped: no line, the shutdown's included, may hold a secret.
	t.Cleanup(func() {
		if !strings.Contains(logs.String(), "/admin/integrations") {
			t.Errorf("no request to the page was logged, so the logs prove nothing")
		}
		for _, s := range secrets {
			if strings.Contains(logs.String(), s) {
				t.Errorf("the logs hold a signing secret")
			}
		}
	})
	base, a := startAppLogging(t, models.SQLite, logs, "LOG_LEVEL", "debug")
	ctx := context.Background()
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(ctx, "walter@stellapop.example", "Walter Skinner", models.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	// Stored as it is, without the rules: they would look up Slack's host.
	slack := &models.WebhookEndpoint{
		URL: "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", Kind: models.WebhookSlack,
		Events: webhook.LeadCreated, Description: "#new-leads", Secret: webhook.NewSecret(),
	}
	if err := a.store.CreateWebhookEndpoint(ctx, slack); err != nil {
		t.Fatal(err)
	}
	// A receiver that has been failing: disabled, with deliveries logged.
	db := a.store.SQLDB()
	if _, err := db.Exec(`UPDATE webhook_endpoints SET failure_streak = 7, failing_since = CURRENT_TIMESTAMP, last_delivery_at = CURRENT_TIMESTAMP, last_status = 503 WHERE id = $1`, slack.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.store.DisableWebhookEndpoint(ctx, slack.ID, "The receiver answered 410 Gone.", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		status   int
		ok       bool
		response string
		errText  string
	}{
		{200, true, `{"ok":true}`, ""},
		{503, false, "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>", ""},
		{0, false, "", "dial tcp 1.1.1.2:443: i/o timeout after 10s while connecting to the receiver"},
	} {
		if _, err := db.Exec(`INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, attempt, status_code, duration_ms, succeeded, response, error, created_at)
			VALUES ($1, 'msg_2Yh7Kq8vFJ3c9Xb1nP0sD4eR6tU', 'lead.created', 1, $2, 143, $3, $4, $5, CURRENT_TIMESTAMP)`, slack.ID, d.status, d.ok, d.response, d.errText); err != nil {
			t.Fatal(err)
		}
	}

	browser := newBrowser(t)
	must(t, "sign in", chromedp.Do(browser, phone.apply(),
		chromedp.Navigate(base+"/admin/integrations"),
		signIn("walter@stellapop.example", password),
		chromedp.WaitVisible(chromedp.ID("add-endpoint")),
	))

	must(t, "add a private address", chromedp.Do(browser,
		chromedp.SendKeys(chromedp.ID("new-url"), "https://10.0.0.7/hooks/intake"),
		chromedp.SendKeys(chromedp.ID("new-description"), "The CRM"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Add endpoint"]`)),
		chromedp.WaitVisible(chromedp.ID("new-url-error")),
	))
	if msg := text(t, browser, "#new-url-error"); !strings.Contains(msg, "10.0.0.7 is a private address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true") {
		t.Errorf("the message by the address: %q", msg)
	}
	checkFitsScreen(t, browser, "integrations with an error on a phone")
	checkAccessible(t, browser, "integrations with an error on a phone")
	screenshot(t, browser, "integrations-error-phone")

	must(t, "add it again with a public address", chromedp.Do(browser,
		chromedp.SetValue(chromedp.ID("new-url"), longHookURL),
		chromedp.Click(chromedp.CSS(`label[for="new-event-1"]`)),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Add endpoint"]`)),
		chromedp.WaitVisible(chromedp.ID("signing-secret")),
	))
	list, err := a.store.WebhookEndpoints(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("endpoints after adding: %v %v", list, err)
	}
	added := list[1]
	secrets = append(secrets, added.Secret)
	if shown := text(t, browser, "#signing-secret"); shown != added.Secret {
		t.Errorf("the page shows the secret %q; want the stored one", shown)
	}
	if added.URL != longHookURL || added.Events != "lead.created,lead.updated" || added.Description != "The CRM" {
		t.Errorf("stored %+v", added)
	}
	checkFitsScreen(t, browser, "a new endpoint on a phone")
	checkAccessible(t, browser, "a new endpoint on a phone")
	screenshot(t, browser, "integrations-added-phone")

	pages := []struct{ name, path string }{
		{"list", "/admin/integrations"},
		{"endpoint", "/admin/integrations/" + strconv.FormatInt(slack.ID, 10)},
	}
	for _, vp := range []viewport{phone, desktop} {
		for _, p := range pages {
			must(t, "open the "+p.name, chromedp.Do(browser, vp.apply(),
				chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			checkFitsScreen(t, browser, "integrations "+p.name+" on a "+vp.name)
			checkAccessible(t, browser, "integrations "+p.name+" on a "+vp.name)
			screenshot(t, browser, "integrations-"+p.name+"-"+vp.name)
		}
	}
	if n := eval[int](t, browser, `document.querySelectorAll("#signing-secret").length`); n != 0 {
		t.Errorf("a secret is shown on a later page")
	}
}
