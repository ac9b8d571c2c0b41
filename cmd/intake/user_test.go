package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestUserCommands(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := []string{"INTAKE_DATA_DIR", t.TempDir()}
			if dialect == models.Postgres {
				vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
			}
			user := func(stdin string, args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := runWithInput(append([]string{"user"}, args...), env(vars...), strings.NewReader(stdin), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			if code, out, _ := user("a long enough password\n", "add", "Dana@StellaPop.example", "--role", "consultant", "--name", "Dana Scully"); code != 0 || !strings.Contains(out, "added dana@stellapop.example (consultant)") {
				t.Fatalf("add: exit %d, %q", code, out)
			}
			if code, _, errOut := user("a long enough password\n", "add", "dana@stellapop.example", "--role", "admin"); code != 1 || !strings.Contains(errOut, "already exists") {
				t.Errorf("duplicate add: exit %d, %q", code, errOut)
			}
			if code, _, errOut := user("short\n", "add", "eve@stellapop.example", "--role", "admin"); code != 1 || !strings.Contains(errOut, "at least 12 characters") {
				t.Errorf("short password: exit %d, %q", code, errOut)
			}
			if code, _, errOut := user("a long enough password\n", "add", "eve@stellapop.example", "--role", "boss"); code != 1 || !strings.Contains(errOut, "--role must be one of") {
				t.Errorf("bad role: exit %d, %q", code, errOut)
			}
			if code, _, errOut := user("", "add"); code != 2 || !strings.Contains(errOut, "Usage:") {
				t.Errorf("no email: exit %d, %q", code, errOut)
			}
			if code, out, _ := user("", "list"); code != 0 || !strings.Contains(out, "dana@stellapop.example") || !strings.Contains(out, "active") {
				t.Errorf("list: exit %d, %q", code, out)
			}
			if code, _, _ := user("another long password\n", "passwd", "dana@stellapop.example"); code != 0 {
				t.Errorf("passwd: exit %d", code)
			}
			if code, _, _ := user("", "disable", "dana@stellapop.example"); code != 0 {
				t.Errorf("disable: exit %d", code)
			}
			if code, out, _ := user("", "list"); code != 0 || !strings.Contains(out, "disabled") {
				t.Errorf("list after disable: %q", out)
			}
			if code, _, errOut := user("", "disable", "nobody@stellapop.example"); code != 1 || !strings.Contains(errOut, "no user with email") {
				t.Errorf("unknown user: exit %d, %q", code, errOut)
			}

			// The new password is the one that works, once enabled again.
			if code, _, _ := user("", "enable", "dana@stellapop.example"); code != 0 {
				t.Fatalf("enable: exit %d", code)
			}
			cfg, _ := loadConfig(env(vars...))
			store, err := models.Open(context.Background(), cfg.DatabaseURL, cfg.DataDir, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if _, err := store.Authenticate(context.Background(), "dana@stellapop.example", "another long password"); err != nil {
				t.Errorf("the changed password does not work: %v", err)
			}
			if _, err := store.Authenticate(context.Background(), "dana@stellapop.example", "a long enough password"); err == nil {
				t.Errorf("the old password still works")
			}
		})
	}
}
