package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/webhook"
)

// fakeDNS answers for the names a test gives it, leaves "localhost" to the
// system (which answers from the hosts file), and fails the test for any
// other name, so no test ever asks a DNS server about an outside name.
type fakeDNS struct {
	t     *testing.T
	names map[string][]string
}

func (f fakeDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "localhost" {
		return net.DefaultResolver.LookupNetIP(ctx, network, host)
	}
	addrs, ok := f.names[host]
	if !ok {
		f.t.Errorf("looked up %q, which the test did not expect", host)
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func testRules(t *testing.T, allowPrivate bool) webhook.EndpointRules {
	return webhook.EndpointRules{AllowPrivate: allowPrivate, Resolver: fakeDNS{t, map[string][]string{
		"crm.example.com":      {"1.1.1.1"},
		"intranet.example.com": {"10.0.0.5"},
		"sneaky.example.com":   {"1.1.1.1", "127.0.0.1"},
		"hooks.slack.com":      {"1.1.1.2"},
		"nowhere.example.com":  {},
	}}}
}

// TestWebhookEndpointRules: which endpoints are accepted, and what a person is
// told about the others, with and without WEBHOOK_ALLOW_PRIVATE_NETWORKS.
func TestWebhookEndpointRules(t *testing.T) {
	std := func(url string, events ...string) webhook.EndpointInput {
		if events == nil {
			events = []string{webhook.LeadCreated}
		}
		return webhook.EndpointInput{URL: url, Kind: models.WebhookStandard, Events: events}
	}
	slack := func(url string, events ...string) webhook.EndpointInput {
		in := std(url, events...)
		in.Kind = models.WebhookSlack
		return in
	}
	cases := []struct {
		name         string
		in           webhook.EndpointInput
		allowPrivate bool
		field, want  string // "" : accepted
	}{
		{"https to a public name", std("https://crm.example.com/hooks/intake"), false, "", ""},
		{"https to a public address", std("https://1.1.1.1/hook"), false, "", ""},
		{"empty", std("  "), false, "url", "Enter the receiver’s address"},
		{"malformed", std("https://exa mple.com/"), false, "url", "not a web address"},
		{"no scheme", std("crm.example.com/hooks"), false, "url", "not a web address"},
		{"ftp", std("ftp://crm.example.com/"), false, "url", "must start with https://"},
		{"plain http to a public name", std("http://crm.example.com/hook"), false, "url", "must start with https://"},
		{"plain http to a public name, private allowed", std("http://crm.example.com/hook"), true, "url", "plain http:// is allowed only to receivers on your own network"},
		{"credentials", std("https://user:pw@crm.example.com/"), false, "url", "must not hold a user name or password"},
		{"loopback", std("https://127.0.0.1:8443/hook"), false, "url", "127.0.0.1 is a private address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true"},
		{"IPv6 loopback", std("https://[::1]/hook"), false, "url", "::1 is a private address"},
		{"private", std("https://10.0.0.1/hook"), false, "url", "10.0.0.1 is a private address"},
		{"metadata service", std("https://169.254.169.254/latest"), false, "url", "169.254.169.254 is a private address"},
		{"a name for a private address", std("https://intranet.example.com/hook"), false, "url", "intranet.example.com (10.0.0.5) is a private address"},
		{"a name with one private address among public ones", std("https://sneaky.example.com/"), false, "url", "is a private address"},
		{"localhost", std("https://localhost/hook"), false, "url", "is a private address"},
		{"no address for the name", std("https://nowhere.example.com/"), false, "url", "No address found for nowhere.example.com"},
		{"loopback, private allowed", std("http://127.0.0.1:9000/hook"), true, "", ""},
		{"a private name over https, private allowed", std("https://intranet.example.com/hook"), true, "", ""},
		{"no events", std("https://crm.example.com/", ""), false, "events", "Choose at least one event."},
		{"unknown event", std("https://crm.example.com/", "lead.created", "lead.deleted"), false, "events",
			`Unknown event "lead.deleted": the events are lead.created, lead.updated, lead.consent_withdrawn, lead.erased.`},
		{"unknown kind", webhook.EndpointInput{URL: "https://crm.example.com/", Kind: "teams", Events: []string{"lead.created"}}, false, "kind", "The kind must be standard or slack."},
		{"long description", webhook.EndpointInput{URL: "https://crm.example.com/", Events: []string{"lead.created"}, Description: strings.Repeat("é", 201)}, false, "description", "200 characters or fewer"},
		{"slack", slack("https://hooks.slack.com/services/T000/B000/XXXX"), false, "", ""},
		{"slack elsewhere", slack("https://crm.example.com/services/x"), false, "url", "starting https://hooks.slack.com/services/"},
		{"slack over http", slack("http://hooks.slack.com/services/x"), false, "url", "must start with https://"},
		{"slack on loopback, private allowed (tests)", slack("http://127.0.0.1:9000/services/x"), true, "", ""},
		{"slack with other events", slack("https://hooks.slack.com/services/x", "lead.created", "lead.updated"), false, "events", "announces new leads only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fe := testRules(t, c.allowPrivate).Check(context.Background(), c.in)
			if c.field == "" {
				if fe != nil {
					t.Fatalf("refused: %v", fe)
				}
				return
			}
			if !strings.Contains(fe[c.field], c.want) {
				t.Fatalf("%s: got %q, want it to say %q (all: %v)", c.field, fe[c.field], c.want, fe)
			}
		})
	}
}

func TestWebhookEndpointCheckTidiesTheInput(t *testing.T) {
	got, fe := testRules(t, false).Check(context.Background(), webhook.EndpointInput{
		URL: "  https://crm.example.com/h  ", Description: "  CRM  ",
		Events: []string{"lead.erased", " lead.created", "lead.erased", ""},
	})
	if fe != nil {
		t.Fatal(fe)
	}
	if got.URL != "https://crm.example.com/h" || got.Kind != models.WebhookStandard || got.Description != "CRM" ||
		strings.Join(got.Events, ",") != "lead.created,lead.erased" {
		t.Errorf("tidied: %+v", got)
	}
}

// TestWebhookEndpointAddRotateAndUpdate on both databases: a valid endpoint is stored
// with its secret; an invalid one stores nothing; a rotation keeps the old
// secret signing for a day.
func TestWebhookEndpointAddRotateAndUpdate(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			rules := testRules(t, false)

			_, _, err := rules.Add(ctx, store, webhook.EndpointInput{URL: "https://10.0.0.1/", Events: []string{"lead.created"}})
			var fe webhook.FieldErrors
			if !errors.As(err, &fe) || fe["url"] == "" {
				t.Fatalf("private address: %v, want a field error", err)
			}
			if list, _ := store.WebhookEndpoints(ctx); len(list) != 0 {
				t.Fatalf("a refused endpoint was saved: %+v", list)
			}

			e, secret, err := rules.Add(ctx, store, webhook.EndpointInput{
				URL: "https://crm.example.com/hook", Events: []string{"lead.updated", "lead.created"}, Description: "The CRM",
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "whsec_") {
				t.Errorf("secret %q", secret)
			}
			got, err := store.WebhookEndpointByID(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Secret != secret || got.Events != "lead.created,lead.updated" || got.Kind != models.WebhookStandard || got.Description != "The CRM" {
				t.Errorf("stored %+v", got)
			}

			newSecret, err := webhook.RotateSecret(ctx, store, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, _ = store.WebhookEndpointByID(ctx, e.ID)
			if got.Secret != newSecret || newSecret == secret || got.PreviousSecret == nil || *got.PreviousSecret != secret {
				t.Fatalf("after rotation: %+v", got)
			}
			if until := time.Until(*got.PreviousSecretUntil); until < 23*time.Hour || until > 25*time.Hour {
				t.Errorf("the old secret signs for %v more, want 24h", until)
			}
			if s := got.SigningSecrets(time.Now()); len(s) != 2 {
				t.Errorf("signing secrets now: %d, want both", len(s))
			}
			if s := got.SigningSecrets(time.Now().Add(25 * time.Hour)); len(s) != 1 {
				t.Errorf("signing secrets tomorrow: %d, want the new one only", len(s))
			}

			err = rules.Update(ctx, store, e.ID, webhook.EndpointInput{URL: "http://crm.example.com/", Events: []string{"lead.erased"}})
			if !errors.As(err, &fe) || fe["url"] == "" {
				t.Fatalf("update to http: %v, want a field error", err)
			}
			if err := rules.Update(ctx, store, e.ID, webhook.EndpointInput{URL: "https://crm.example.com/v2", Events: []string{"lead.erased"}}); err != nil {
				t.Fatal(err)
			}
			got, _ = store.WebhookEndpointByID(ctx, e.ID)
			if got.URL != "https://crm.example.com/v2" || got.Events != "lead.erased" || got.Description != "" {
				t.Errorf("after update: %+v", got)
			}
			if _, err := webhook.RotateSecret(ctx, store, 9999); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("rotate an unknown endpoint: %v", err)
			}
		})
	}
}
