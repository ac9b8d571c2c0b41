package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestTokenCommand(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := []string{"INTAKE_DATA_DIR", t.TempDir()}
			if dialect == models.Postgres {
				vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
			}
			cmd := func(stdin string, args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := runWithInput(args, env(vars...), strings.NewReader(stdin), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			if code, _, errOut := cmd("a long enough password\n", "user", "add", "mo@stellapop.example", "--role", "marketing"); code != 0 {
				t.Fatalf("user add: %d %s", code, errOut)
			}
			code, out, errOut := cmd("", "token", "add", "MO@stellapop.example", "--scope", "leads:read", "--scope", "contacts:read", "--expires", "30d", "--name", "Reporting")
			if code != 0 {
				t.Fatalf("token add: exit %d, %s", code, errOut)
			}
			secret, note, _ := strings.Cut(out, "\n")
			if !models.WellFormedAPIToken(secret) || !strings.Contains(note, "leads:read contacts:read") || !strings.Contains(note, "shown only this once") {
				t.Errorf("token add printed %q", out)
			}

			cfg, _ := loadConfig(env(vars...))
			store, err := openStore(context.Background(), cfg, 1, quietLog())
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			tok, err := store.APITokenByToken(context.Background(), secret, time.Now())
			if err != nil || tok.Name != "Reporting" || tok.ExpiresAt.Sub(tok.CreatedAt) != 30*24*time.Hour {
				t.Errorf("the printed token: %+v, %v", tok, err)
			}

			// The list shows the token, never its secret; revoking it
			// closes the API to it at once.
			id := strconv.FormatInt(tok.ID, 10)
			for _, args := range [][]string{{"token", "list"}, {"token", "list", "mo@stellapop.example"}} {
				code, out, errOut := cmd("", args...)
				row := regexp.MustCompile(`(?m)^` + id + ` +mo@stellapop\.example +Reporting +leads:read contacts:read +\d{4}-\d\d-\d\d +\d{4}-\d\d-\d\d \d\d:\d\d +active$`) // used once, by the lookup above
				if code != 0 || !row.MatchString(out) || strings.Contains(out, secret) || !strings.HasPrefix(out, "ID ") {
					t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
				}
			}
			if code, out, errOut := cmd("", "token", "revoke", id); code != 0 || !strings.Contains(out, "revoked token "+id) {
				t.Fatalf("token revoke: exit %d, %q %q", code, out, errOut)
			}
			if _, err := store.APITokenByToken(context.Background(), secret, time.Now()); err == nil {
				t.Error("a revoked token still opens the API")
			}
			if _, out, _ := cmd("", "token", "list"); !regexp.MustCompile(`(?m)^` + id + ` .* revoked \d{4}-\d\d-\d\d$`).MatchString(out) {
				t.Errorf("after revoking, the list reads %q", out)
			}

			for _, c := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"token", "revoke", "999999"}, 1, "no token with id 999999"},
				{[]string{"token", "revoke", "abc"}, 1, "not a token id"},
				{[]string{"token", "revoke"}, 2, "Usage:"},
				{[]string{"token", "list", "nobody@stellapop.example"}, 1, "no user with email"},
				{[]string{"token", "list", "a", "b"}, 2, "Usage:"},
				{[]string{"token", "add", "mo@stellapop.example"}, 1, "--scope is needed"},
				{[]string{"token", "add", "mo@stellapop.example", "--scope", "leads:delete"}, 1, "unknown scope"},
				{[]string{"token", "add", "mo@stellapop.example", "--scope", "leads:read", "--expires", "2y"}, 1, "--expires"},
				{[]string{"token", "add", "nobody@stellapop.example", "--scope", "leads:read"}, 1, "no user with email"},
				{[]string{"token", "add"}, 2, "Usage:"},
				{[]string{"token"}, 2, "Usage:"},
			} {
				if code, _, errOut := cmd("", c.args...); code != c.code || !strings.Contains(errOut, c.want) {
					t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, errOut, c.code, c.want)
				}
			}
		})
	}
}
