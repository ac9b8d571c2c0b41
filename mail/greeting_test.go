package mail_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// TestGreetingUsesTheFirstName: the summary greets a person by the first
// name the export gives them, not by their first word.
func TestGreetingUsesTheFirstName(t *testing.T) {
	c, def, _ := composer(t)
	for _, tc := range []struct{ name, greeting string }{
		{"Mary Ann Smith", "Hello Mary Ann,"},
		{"Ada Lovelace", "Hello Ada,"},
		{"Ludwig van Beethoven", "Hello Ludwig,"},
		{"Jean-Luc Picard", "Hello Jean-Luc,"},
		{"Cher", "Hello Cher,"},
		{"王小明", "Hello 王小明,"},
		{"Анна Петрова", "Hello Анна,"},
		{"  Grace \t Hopper ", "Hello Grace,"},
	} {
		lead := &models.Lead{ID: 1, Token: "t", Name: tc.name, Email: "someone@example.com", Band: def.Bands[0].ID, CreatedAt: time.Now()}
		msg, err := c.Compose(lead, models.EmailProspectSummary, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		_, text, html := parts(t, mailtest.Message{Data: raw.Bytes()})
		if !strings.HasPrefix(text, tc.greeting+"\r\n") && !strings.HasPrefix(text, tc.greeting+"\n") {
			t.Errorf("%q: text part starts %q, want %q", tc.name, text[:min(len(text), 40)], tc.greeting)
		}
		if !strings.Contains(html, ">"+tc.greeting+"</p>") {
			t.Errorf("%q: HTML part lacks %q", tc.name, tc.greeting)
		}
	}
}
