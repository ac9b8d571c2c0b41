package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
)

// TestStartLogSaysHowToCreateTheFirstAdmin starts the app on an empty
// database, where the log tells how to create the first admin; once a user
// exists, the next start says nothing of it.
func TestStartLogSaysHowToCreateTheFirstAdmin(t *testing.T) {
	const hint = `no workspace user yet: create the first admin with \"intake user add EMAIL --role admin\"`
	dir := t.TempDir()
	startLog := func(t *testing.T) string {
		logs := &syncBuffer{}
		base, _ := startAppLogging(t, models.SQLite, logs, "INTAKE_DATA_DIR", dir)
		waitReady(t, base)
		// The log is buffered: its lines are out within LOG_FLUSH_INTERVAL.
		waitFor(t, "the start's log lines", 10*time.Second, func() bool {
			return strings.Contains(logs.String(), `msg=serving`)
		})
		return logs.String()
	}

	t.Run("empty database", func(t *testing.T) {
		if logs := startLog(t); !strings.Contains(logs, hint) {
			t.Errorf("the start log does not say how to create the first admin:\n%s", logs)
		}
	})

	var out, errOut bytes.Buffer
	if code := runWithInput([]string{"user", "add", "ada@stellapop.example", "--role", "admin"}, env("INTAKE_DATA_DIR", dir),
		strings.NewReader("a long enough password\n"), &out, &errOut); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errOut.String())
	}

	t.Run("with a user", func(t *testing.T) {
		if logs := startLog(t); strings.Contains(logs, "no workspace user") {
			t.Errorf("the start log asks for a first admin though one exists:\n%s", logs)
		}
	})
}
