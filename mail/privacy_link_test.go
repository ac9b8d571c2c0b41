package mail_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// TestPrivacyLinkInEveryEmail: both emails, in both their parts, link to
// the privacy page, which tells the prospect how to get a copy of their
// data or have it erased.
func TestPrivacyLinkInEveryEmail(t *testing.T) {
	c, def, cons := composer(t)
	lead := &models.Lead{
		ID: 7, Token: "tok", Name: "Ada Lovelace", Email: "ada@example.com", Company: "Acme", Role: "COO",
		DiagnosticVersion: def.Version, OverallIndex: 64, Band: def.Bands[0].ID, CreatedAt: time.Now().UTC(),
	}
	for _, p := range cons.Purposes {
		lead.Consents = append(lead.Consents, models.Consent{Purpose: p.ID, Granted: true, DecidedAt: lead.CreatedAt, WordingVersion: cons.Version, Wording: p.Label})
	}
	const want = "https://intake.example.com/privacy"
	for _, kind := range models.EmailKinds {
		msg, err := c.Compose(lead, kind, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		_, text, html := parts(t, mailtest.Message{Data: raw.Bytes()})
		if !strings.Contains(text, want) {
			t.Errorf("%s: the text part lacks %s", kind, want)
		}
		if !strings.Contains(html, `href="`+want+`"`) {
			t.Errorf("%s: the HTML part lacks a link to %s", kind, want)
		}
	}
}
