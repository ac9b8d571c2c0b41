package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// TestExportNamesAgreeWithGreeting: a person who gives a name of several
// words is greeted on the result page and in the summary email by the
// same first name the export's first_name column holds.
func TestExportNamesAgreeWithGreeting(t *testing.T) {
	smtp := mailtest.NewServer(t)
	base, a := startApp(t, models.SQLite, "SMTP_URL", smtp.URL())
	people := []struct{ name, email, first, last string }{
		{"Mary Ann Smith", "mary@example.com", "Mary Ann", "Smith"},
		{"Ludwig van Beethoven", "ludwig@example.com", "Ludwig", "van Beethoven"},
	}
	c := newHostileClient(t, base)
	for _, p := range people {
		loc := submit(t, base, p.name, p.email)
		if status, page := c.get(loc); status != http.StatusOK || !strings.Contains(page, "Your result, "+p.first+"<") {
			t.Errorf("%s: result page %d does not greet %q", p.name, status, p.first)
		}
	}

	msgs := smtp.WaitForMessages(t, 2*len(people), 15*time.Second)
	for _, p := range people {
		i := slices.IndexFunc(msgs, func(m mailtest.Message) bool { return slices.Equal(m.To, []string{p.email}) })
		if i < 0 {
			t.Fatalf("no summary to %s", p.email)
		}
		msg, err := msgs[i].Parse()
		if err != nil {
			t.Fatal(err)
		}
		text, html := emailParts(t, p.email, msg)
		if greeting := "Hello " + p.first + ","; !strings.Contains(text, greeting) || !strings.Contains(html, greeting) {
			t.Errorf("%s: summary does not greet %q:\n%s", p.name, p.first, text)
		}
	}

	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleMarketing, password); err != nil {
		t.Fatal(err)
	}
	c.signIn("dana@stellapop.example", password)
	status, body := c.get("/admin/export.csv")
	if status != http.StatusOK {
		t.Fatalf("export = %d", status)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != len(people)+1 {
		t.Fatalf("export = %q, %v", rows, err)
	}
	first, last := slices.Index(rows[0], "first_name"), slices.Index(rows[0], "last_name")
	for i, p := range people {
		if got := rows[i+1]; got[first] != p.first || got[last] != p.last {
			t.Errorf("%s exported as %q, %q; want %q, %q", p.name, got[first], got[last], p.first, p.last)
		}
	}
}
