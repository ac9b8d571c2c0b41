package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestWebhookCommands adds, lists, disables and rotates endpoints from the
// command line on both databases. Every address is an IP literal, so
// nothing is looked up or contacted.
func TestWebhookCommands(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := []string{"INTAKE_DATA_DIR", t.TempDir()}
			if dialect == models.Postgres {
				vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
			}
			webhooks := func(extra []string, args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(append([]string{"webhooks"}, args...), env(append(vars, extra...)...), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			secretLine := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

			code, out, errOut := webhooks(nil, "add", "https://1.1.1.1/hooks/intake", "--events", "lead.created,lead.erased", "--description", "The CRM")
			if code != 0 || !strings.Contains(out, "added endpoint 1: https://1.1.1.1/hooks/intake (standard; lead.created, lead.erased)") ||
				!strings.Contains(out, "will not be shown again") {
				t.Fatalf("add: exit %d, %q %q", code, out, errOut)
			}
			secret := secretLine.FindString(out)
			if secret == "" {
				t.Fatalf("add printed no secret: %q", out)
			}

			// Refused, with a message, and nothing saved.
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"add", "http://1.1.1.1/"}, "must start with https://"},
				{[]string{"add", "https://127.0.0.1/hook"}, "127.0.0.1 is a private address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true"},
				{[]string{"add", "https://[::1]/hook"}, "::1 is a private address"},
				{[]string{"add", "https://169.254.169.254/"}, "is a private address"},
				{[]string{"add", "not a url"}, "not a web address"},
				{[]string{"add", "https://1.1.1.1/", "--events", "lead.created,lead.deleted"}, `Unknown event "lead.deleted": the events are lead.created, lead.updated`},
				{[]string{"add", "https://1.1.1.1/", "--events", ""}, "Choose at least one event."},
				{[]string{"add", "https://1.1.1.1/", "--kind", "slack"}, "starting https://hooks.slack.com/services/"},
				{[]string{"add", "https://1.1.1.1/", "--kind", "teams"}, "The kind must be standard or slack."},
			} {
				code, out, errOut := webhooks(nil, c.args...)
				if code != 1 || !strings.Contains(errOut, "nothing was saved") || !strings.Contains(errOut, c.want) || out != "" {
					t.Errorf("%v: exit %d, %q %q; want exit 1 saying %q", c.args, code, out, errOut, c.want)
				}
			}

			// Bad calls: exit 2 with the usage.
			for _, args := range [][]string{
				{}, {"add"}, {"add", "https://1.1.1.1/", "--colour", "red"}, {"add", "https://1.1.1.1/", "extra"},
				{"disable"}, {"disable", "one"}, {"rotate-secret", "1", "2"}, {"list", "all"}, {"remove", "1"},
			} {
				code, _, errOut := webhooks(nil, args...)
				if code != 2 || !strings.Contains(errOut, "Usage:") {
					t.Errorf("%v: exit %d, %q; want 2 with the usage", args, code, errOut)
				}
			}
			if code, out, _ := webhooks(nil, "--help"); code != 0 || !strings.Contains(out, "intake webhooks add URL") {
				t.Errorf("--help: exit %d, %q", code, out)
			}

			// Private addresses and plain http to them, when allowed.
			allow := []string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"}
			if code, out, errOut := webhooks(allow, "add", "http://127.0.0.1:9/slack", "--kind", "slack"); code != 0 || !strings.Contains(out, "added endpoint 2") ||
				strings.Contains(out, "whsec_") || !strings.Contains(out, "Slack checks no signature") {
				t.Fatalf("add a local slack endpoint with private networks allowed: exit %d, %q %q; want no secret printed", code, out, errOut)
			}
			// Slack checks no signature: there is no secret to rotate.
			if code, out, errOut := webhooks(nil, "rotate-secret", "2"); code != 1 || out != "" || !strings.Contains(errOut, "no signing secret to rotate") {
				t.Errorf("rotate-secret of a Slack endpoint: exit %d, %q %q; want exit 1 saying why", code, out, errOut)
			}

			code, out, _ = webhooks(nil, "list")
			if code != 0 {
				t.Fatalf("list: exit %d", code)
			}
			for _, want := range []string{"ID", "STATE", "LAST DELIVERY", "FAILURES", "https://1.1.1.1/hooks/intake", "lead.created,lead.erased", "never", "slack"} {
				if !strings.Contains(out, want) {
					t.Errorf("list lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "whsec_") {
				t.Errorf("list shows a secret:\n%s", out)
			}

			code, out, _ = webhooks(nil, "rotate-secret", "1")
			rotated := secretLine.FindString(out)
			if code != 0 || rotated == "" || rotated == secret || !strings.Contains(out, "24 hours") {
				t.Fatalf("rotate-secret: exit %d, %q", code, out)
			}
			if code, out, _ := webhooks(nil, "disable", "1"); code != 0 || !strings.Contains(out, "disabled endpoint 1") {
				t.Errorf("disable: exit %d, %q", code, out)
			}
			if code, _, errOut := webhooks(nil, "disable", "99"); code != 1 || !strings.Contains(errOut, "no endpoint with id 99") {
				t.Errorf("disable an unknown endpoint: exit %d, %q", code, errOut)
			}
			if _, out, _ := webhooks(nil, "list"); !regexp.MustCompile(`(?m)^1\s+disabled\s`).MatchString(out) {
				t.Errorf("list after disable:\n%s", out)
			}

			cfg, _ := loadConfig(env(vars...))
			store, err := models.Open(context.Background(), cfg.DatabaseURL, cfg.DataDir, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			e, err := store.WebhookEndpointByID(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if e.Secret != rotated || e.PreviousSecret == nil || *e.PreviousSecret != secret || e.DisabledReason == "" || e.Description != "The CRM" {
				t.Errorf("stored: %+v", e)
			}
			if list, _ := store.WebhookEndpoints(context.Background()); len(list) != 2 {
				t.Errorf("%d endpoints stored, want the 2 accepted", len(list))
			}
		})
	}
}
