package handlers_test

import (
	"context"
	"html"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/webhook"
)

// recordingSender stands in for webhook delivery: it notes what it was
// asked to send.
type recordingSender struct {
	mu         sync.Mutex
	tests      []int64
	redelivers []int64
}

func (r *recordingSender) SendTest(_ context.Context, endpointID int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tests = append(r.tests, endpointID)
	return nil
}

func (r *recordingSender) Redeliver(_ context.Context, deliveryID int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.redelivers = append(r.redelivers, deliveryID)
	return nil
}

var secretCode = regexp.MustCompile(`<code class="secret-value" id="signing-secret">([^<]*)</code>`)

// shownSecret is the signing secret a page shows, or "".
func shownSecret(body string) string {
	if m := secretCode.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// integrationForm is the add or edit form as an admin fills it.
func (s *site) integrationForm(path, addr string, events ...string) url.Values {
	return url.Values{"_csrf": {s.formToken(path)}, "url": {addr}, "events": events, "description": {"The CRM"}}
}

// TestIntegrationsShowANewSecretOnce, on both databases: the
// secret appears on the page the form leads to, never in its address, and
// is gone when the page is opened again.
func TestIntegrationsShowANewSecretOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.signIn(models.RoleAdmin)
		r := s.post("/admin/integrations", s.integrationForm("/admin/integrations", "https://1.1.1.1/hooks/intake", "lead.created", "lead.updated"))
		if r.status != http.StatusSeeOther {
			t.Fatalf("add = %d:\n%s", r.status, r.body)
		}
		loc := r.header.Get("Location")
		if !regexp.MustCompile(`^/admin/integrations/\d+\?notice=webhook-added$`).MatchString(loc) {
			t.Fatalf("add leads to %q", loc)
		}
		list, err := s.store.WebhookEndpoints(context.Background())
		if err != nil || len(list) != 1 {
			t.Fatalf("endpoints: %v %v", list, err)
		}
		e := list[0]
		if e.URL != "https://1.1.1.1/hooks/intake" || e.Events != "lead.created,lead.updated" || e.Kind != models.WebhookStandard || e.Description != "The CRM" {
			t.Errorf("stored %+v", e)
		}

		page := s.get(loc)
		if page.status != http.StatusOK || shownSecret(page.body) != e.Secret || !strings.Contains(page.body, "will not be shown again") {
			t.Fatalf("the endpoint's page after adding does not show its secret:\n%s", page.body)
		}
		if !strings.Contains(page.body, "Endpoint added.") {
			t.Errorf("no notice after adding")
		}
		if again := s.get(loc); strings.Contains(again.body, "whsec_") {
			t.Errorf("the secret is shown a second time")
		}
		if list := s.get("/admin/integrations"); strings.Contains(list.body, "whsec_") || !strings.Contains(list.body, "https://1.1.1.1/hooks/intake") {
			t.Errorf("the list shows a secret, or not the endpoint:\n%s", list.body)
		}

		// Rotating shows the new secret once, and says the old one still signs.
		r = s.post(loc[:strings.Index(loc, "?")]+"/rotate-secret", url.Values{"_csrf": {s.formToken(loc)}})
		if r.status != http.StatusSeeOther || strings.Contains(r.header.Get("Location"), "whsec_") {
			t.Fatalf("rotate = %d to %q", r.status, r.header.Get("Location"))
		}
		page = s.get(r.header.Get("Location"))
		rotated, _ := s.store.WebhookEndpointByID(context.Background(), e.ID)
		if shown := shownSecret(page.body); shown != rotated.Secret || shown == e.Secret {
			t.Errorf("after rotating, the page shows %q; want the new secret", shown)
		}
		if !strings.Contains(page.body, "still signs deliveries too until") {
			t.Errorf("the page does not say the old secret still signs")
		}
	})
}

// TestIntegrationsRefuseBadInput: every problem is told by its field, the
// values are kept, and nothing is saved.
func TestIntegrationsRefuseBadInput(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.signIn(models.RoleAdmin)
		for _, c := range []struct {
			addr   string
			events []string
			kind   string
			want   []string
		}{
			{"https://127.0.0.1:8443/hook", []string{"lead.created"}, "", []string{
				"127.0.0.1 is a private address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow receivers on your own network.",
				`value="https://127.0.0.1:8443/hook"`, `id="new-url-error"`, `aria-invalid="true"`}},
			{"https://169.254.169.254/latest", []string{"lead.created"}, "", []string{"169.254.169.254 is a private address"}},
			{"http://1.1.1.1/hook", []string{"lead.created"}, "", []string{"The address must start with https://."}},
			{"not a url", []string{"lead.created"}, "", []string{"That is not a web address", `value="not a url"`}},
			{"https://1.1.1.1/hook", nil, "", []string{"Choose at least one event.", `value="https://1.1.1.1/hook"`}},
			{"https://1.1.1.1/hook", []string{"lead.created", "lead.exploded"}, "", []string{"Unknown event &#34;lead.exploded&#34;: the events are lead.created, lead.updated"}},
			{"https://1.1.1.1/hook", []string{"lead.created"}, "slack", []string{"starting https://hooks.slack.com/services/", `value="slack" checked`}},
		} {
			form := s.integrationForm("/admin/integrations", c.addr, c.events...)
			form.Set("kind", c.kind)
			r := s.post("/admin/integrations", form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %v: %d, want 422", c.addr, c.events, r.status)
				continue
			}
			for _, want := range append(c.want, "Nothing was saved", `value="The CRM"`) {
				if !strings.Contains(r.body, want) {
					t.Errorf("%s %v: the page lacks %q", c.addr, c.events, want)
				}
			}
		}
		if list, _ := s.store.WebhookEndpoints(context.Background()); len(list) != 0 {
			t.Errorf("refused endpoints were saved: %+v", list)
		}
	})
}

// TestIntegrationsEditDisableAndEnable: an admin edits, disables and enables an endpoint.
func TestIntegrationsEditDisableAndEnable(t *testing.T) {
	s := newSite(t, models.Postgres)
	admin := s.signIn(models.RoleAdmin)
	ctx := context.Background()
	e, _, err := webhook.EndpointRules{}.Add(ctx, s.store, webhook.EndpointInput{URL: "https://1.1.1.1/a", Events: []string{"lead.created"}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/integrations/" + itoa(e.ID)

	r := s.post(path, s.integrationForm(path, "https://10.1.2.3/b", "lead.erased"))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "10.1.2.3 is a private address") ||
		!strings.Contains(r.body, `value="https://10.1.2.3/b"`) || !regexp.MustCompile(`value="lead.erased" checked`).MatchString(r.body) {
		t.Fatalf("a bad edit = %d:\n%s", r.status, r.body)
	}
	if got, _ := s.store.WebhookEndpointByID(ctx, e.ID); got.URL != "https://1.1.1.1/a" {
		t.Errorf("a refused edit was saved: %+v", got)
	}
	if r := s.post(path, s.integrationForm(path, "https://1.1.1.1/b", "lead.erased", "lead.consent_withdrawn")); r.status != http.StatusSeeOther {
		t.Fatalf("edit = %d:\n%s", r.status, r.body)
	}
	got, _ := s.store.WebhookEndpointByID(ctx, e.ID)
	if got.URL != "https://1.1.1.1/b" || got.Events != "lead.consent_withdrawn,lead.erased" || got.Description != "The CRM" {
		t.Errorf("after edit: %+v", got)
	}

	if r := s.post(path+"/disable", url.Values{"_csrf": {s.formToken(path)}}); r.status != http.StatusSeeOther {
		t.Fatalf("disable = %d", r.status)
	}
	got, _ = s.store.WebhookEndpointByID(ctx, e.ID)
	if !got.Disabled() || !strings.Contains(got.DisabledReason, admin.DisplayName()) {
		t.Errorf("after disable: %+v", got)
	}
	if list := s.get("/admin/integrations"); !strings.Contains(list.body, "disabled") || !strings.Contains(list.body, "Disabled by "+admin.DisplayName()) {
		t.Errorf("the list does not show the endpoint disabled and why")
	}
	if r := s.post(path+"/enable", url.Values{"_csrf": {s.formToken(path)}}); r.status != http.StatusSeeOther {
		t.Fatalf("enable = %d", r.status)
	}
	if got, _ = s.store.WebhookEndpointByID(ctx, e.ID); got.Disabled() {
		t.Errorf("still disabled after enable")
	}
	if r := s.get("/admin/integrations/999999"); r.status != http.StatusNotFound {
		t.Errorf("an unknown endpoint = %d, want 404", r.status)
	}
}

// addDelivery logs a delivery attempt as the delivery worker would.
func addDelivery(t *testing.T, store *models.Store, endpointID int64, status int, ok bool, response, errText string) int64 {
	t.Helper()
	q := `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, attempt, status_code, duration_ms, succeeded, response, error, created_at)
		VALUES ($1, 'msg_1', 'lead.created', 2, $2, 87, $3, $4, $5, CURRENT_TIMESTAMP) RETURNING id`
	var id int64
	if err := store.SQLDB().QueryRow(q, endpointID, status, ok, response, errText).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestIntegrationsSendTestEventsAndAgain: the page's buttons ask the
// sender, and with no sender the page says sending is unavailable instead.
func TestIntegrationsSendTestEventsAndAgain(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			sender := &recordingSender{}
			s := newSiteWith(t, store, func(d *handlers.Deps) { d.Webhooks = sender })
			s.signIn(models.RoleAdmin)
			ctx := context.Background()
			rules := webhook.EndpointRules{}
			e, _, err := rules.Add(ctx, store, webhook.EndpointInput{URL: "https://1.1.1.1/a", Events: []string{"lead.created"}})
			if err != nil {
				t.Fatal(err)
			}
			other, _, err := rules.Add(ctx, store, webhook.EndpointInput{URL: "https://1.1.1.1/b", Events: []string{"lead.created"}})
			if err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("ü", 600) // 1,200 bytes
			if dialect == models.SQLite {
				long = "\xff" + long // PostgreSQL refuses text that is not UTF-8; SQLite keeps it
			}
			d := addDelivery(t, store, e.ID, 500, false, long, "")
			addDelivery(t, store, e.ID, 0, false, "", "dial tcp: connection refused")
			foreign := addDelivery(t, store, other.ID, 200, true, "ok", "")
			path := "/admin/integrations/" + itoa(e.ID)

			page := s.get(path)
			for _, want := range []string{"Send a test event", "Send again", "connection refused", "no answer", "87 ms", ">500<"} {
				if !strings.Contains(page.body, want) {
					t.Errorf("the endpoint's page lacks %q", want)
				}
			}
			if strings.Contains(page.body, strings.Repeat("ü", 513)) || !strings.Contains(page.body, strings.Repeat("ü", 500)) || !strings.Contains(page.body, "ü…") {
				t.Errorf("the log does not cut the response at 1 KB")
			}
			if dialect == models.SQLite && (strings.Contains(page.body, "\xff") || !strings.Contains(page.body, "\uFFFD")) {
				t.Errorf("the log shows a response that is not UTF-8 as it came")
			}

			if r := s.post(path+"/test", url.Values{"_csrf": {s.formToken(path)}}); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "notice=webhook-test") {
				t.Errorf("test = %d to %q", r.status, r.header.Get("Location"))
			}
			if r := s.post(path+"/deliveries/"+itoa(d)+"/send-again", url.Values{"_csrf": {s.formToken(path)}}); r.status != http.StatusSeeOther {
				t.Errorf("send again = %d", r.status)
			}
			if r := s.post(path+"/deliveries/"+itoa(foreign)+"/send-again", url.Values{"_csrf": {s.formToken(path)}}); r.status != http.StatusNotFound {
				t.Errorf("send again another endpoint's delivery = %d, want 404", r.status)
			}
			if len(sender.tests) != 1 || sender.tests[0] != e.ID || len(sender.redelivers) != 1 || sender.redelivers[0] != d {
				t.Errorf("the sender was asked for tests %v and redeliveries %v", sender.tests, sender.redelivers)
			}

			// Without a sender: no buttons, a clear word, and no crash.
			bare := newSiteWith(t, store, nil)
			bare.signIn(models.RoleAdmin)
			page = bare.get(path)
			if page.status != http.StatusOK || strings.Contains(page.body, "Send a test event") || strings.Contains(page.body, "Send again") ||
				!strings.Contains(page.body, "unavailable on this instance") {
				t.Errorf("without a sender the page = %d:\n%s", page.status, page.body)
			}
			if r := bare.post(path+"/test", url.Values{"_csrf": {bare.formToken(path)}}); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "webhook-unavailable") {
				t.Errorf("test without a sender = %d to %q", r.status, r.header.Get("Location"))
			}
		})
	}
}

func TestIntegrationsAreInTheAdminsNavigationOnly(t *testing.T) {
	s := newSite(t, models.SQLite)
	s.signIn(models.RoleAdmin)
	if !strings.Contains(s.get("/admin").body, `href="/admin/integrations"`) {
		t.Errorf("admins have no link to the integrations page")
	}
	s.signOut()
	s.signIn(models.RoleConsultant)
	if strings.Contains(s.get("/admin").body, `href="/admin/integrations"`) {
		t.Errorf("consultants see a link to the integrations page")
	}
}

// slackDNS resolves hooks.slack.com to a public address, so that a Slack
// endpoint passes the address check without a lookup leaving the test.
type slackDNS struct{}

func (slackDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if host == "hooks.slack.com" {
		return []netip.Addr{netip.MustParseAddr("1.1.1.2")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestIntegrationsSlackHasNoSecret, on both databases: Slack checks no
// signature, so a Slack endpoint's page shows no secret after adding and
// offers no rotation, and a rotation posted anyway changes nothing and
// says why.
func TestIntegrationsSlackHasNoSecret(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) { d.WebhookRules.Resolver = slackDNS{} })
			s.signIn(models.RoleAdmin)
			form := s.integrationForm("/admin/integrations", "https://hooks.slack.com/services/T0/B0/abc", "lead.created")
			form.Set("kind", models.WebhookSlack)
			r := s.post("/admin/integrations", form)
			loc := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasSuffix(loc, "?notice=webhook-added") {
				t.Fatalf("add a Slack endpoint = %d to %q:\n%s", r.status, loc, r.body)
			}
			page := s.get(loc)
			if page.status != http.StatusOK || strings.Contains(page.body, "whsec_") || strings.Contains(page.body, "rotate-secret") ||
				!strings.Contains(page.body, "Slack checks no signature") {
				t.Fatalf("a new Slack endpoint's page shows a secret or offers rotation, or does not say why not:\n%s", page.body)
			}

			list, err := s.store.WebhookEndpoints(context.Background())
			if err != nil || len(list) != 1 || list[0].Kind != models.WebhookSlack {
				t.Fatalf("endpoints: %+v %v", list, err)
			}
			before := list[0]
			path := loc[:strings.Index(loc, "?")]
			r = s.post(path+"/rotate-secret", url.Values{"_csrf": {s.formToken(path)}})
			if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "notice=webhook-no-secret") {
				t.Fatalf("rotate a Slack endpoint's secret = %d to %q", r.status, r.header.Get("Location"))
			}
			if page := s.get(r.header.Get("Location")); !strings.Contains(page.body, "make a new incoming webhook in Slack") || strings.Contains(page.body, "whsec_") {
				t.Errorf("after a refused rotation the page does not say why, or shows a secret:\n%s", page.body)
			}
			after, err := s.store.WebhookEndpointByID(context.Background(), before.ID)
			if err != nil || after.Secret != before.Secret || after.PreviousSecret != nil {
				t.Errorf("a refused rotation changed the endpoint: %+v, %v", after, err)
			}
		})
	}
}
