package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestLogsHoldNoPersonalData runs a whole lead's life on the real app with
// JSON logs at debug level: the visitor submits, both emails are
// delivered, an admin signs in, opens the lead and exports everyone. No
// log line may name the visitor, hold their address or their result
// token, and every request line carries a request id.
func TestLogsHoldNoPersonalData(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			const (
				name     = "Zebedee Quuxington"
				email    = "zebedee.quux@pii-check.example"
				password = "a long and memorable passphrase"
			)
			var token string
			logs := &syncBuffer{}
			// Registered before the app starts, so it runs after the app has
			// stopped and the shutdown's lines are checked too.
			t.Cleanup(func() { checkLogs(t, logs.String(), name, email, token) })

			smtp := mailtest.NewServer(t)
			base, a := startAppLogging(t, dialect, logs, "SMTP_URL", smtp.URL(), "LOG_FORMAT", "json", "LOG_LEVEL", "debug")
			ctx := context.Background()

			loc := submit(t, base, name, email)
			token = strings.TrimPrefix(loc, "/results/")
			smtp.WaitForMessages(t, 2, 15*time.Second)
			lead, err := a.store.LeadByToken(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "both emails recorded as sent", func() bool {
				l, err := a.store.LeadByID(ctx, lead.ID)
				if err != nil {
					return false
				}
				for _, e := range l.Emails {
					if e.SentAt == nil {
						return false
					}
				}
				return len(l.Emails) == len(models.EmailKinds)
			})

			admin, err := a.store.CreateUser(ctx, "grace.admin@stellapop.example", "Grace Admin", models.RoleAdmin, password)
			if err != nil {
				t.Fatal(err)
			}
			c := signInClient(t, base, admin.Email, password)
			get := func(path string, wants ...string) {
				t.Helper()
				res, err := c.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", path, res.StatusCode)
				}
				for _, w := range wants {
					if !strings.Contains(string(body), w) {
						t.Errorf("GET %s does not show %q", path, w)
					}
				}
			}
			get(loc)
			get(fmt.Sprintf("/admin/leads/%d", lead.ID), email)
			get("/admin/export.csv?contacts=all", email)
			get(fmt.Sprintf("/admin/leads/%d/data.json", lead.ID), email)
			get("/admin/leads?q=zebedee", name)

			// The checks below are only as good as the logs they read. The
			// lines are held in memory for up to a second before they are
			// written, without any shutdown.
			for _, want := range []string{`"route":"/admin/leads/:id"`, `"route":"/admin/export.csv"`, `"route":"/results/:token"`, `"msg":"email sent"`} {
				waitUntil(t, "the logs to show "+want, func() bool { return strings.Contains(logs.String(), want) })
			}
		})
	}
}

// signInClient signs in at /admin/login and returns a client holding the
// session, which does not follow redirects.
func signInClient(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	c := formClient()
	_, csrf := openForm(t, c, base+"/admin/login")
	res, err := c.PostForm(base+"/admin/login", url.Values{"_csrf": {csrf}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in = %d, want 303", res.StatusCode)
	}
	return c
}

// checkLogs reads JSON log lines: none may hold any of the needles (in any
// case), and every request line needs its request id.
func checkLogs(t *testing.T, out, name, email, token string) {
	t.Helper()
	needles := append(strings.Fields(strings.ToLower(name)), strings.ToLower(email), strings.Split(strings.ToLower(email), "@")[0])
	if token != "" {
		needles = append(needles, strings.ToLower(token))
	}
	requests := 0
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line %d is not JSON: %v\n%s", i+1, err, line)
			continue
		}
		lower := strings.ToLower(line)
		for _, n := range needles {
			if strings.Contains(lower, n) {
				t.Errorf("log line %d holds %q:\n%s", i+1, n, line)
			}
		}
		if rec["msg"] == "request" {
			requests++
			if id, _ := rec["id"].(string); id == "" {
				t.Errorf("request log line %d has no request id:\n%s", i+1, line)
			}
		}
	}
	if requests == 0 {
		t.Errorf("no request lines in the logs:\n%s", out)
	}
}
