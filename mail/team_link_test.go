package mail_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// The summary links to the result page's team section, where the
// prospect invites colleagues, in both parts.
func TestSummaryLinksInvitingTheTeam(t *testing.T) {
	c, def, _ := composer(t)
	lead := &models.Lead{ID: 1, Token: "tok123", Name: "Ada Lovelace", Email: "ada@example.com", Band: def.Bands[0].ID, CreatedAt: time.Now()}
	msg, err := c.Compose(lead, models.EmailProspectSummary, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	_, text, html := parts(t, mailtest.Message{Data: raw.Bytes()})
	const want = "/results/tok123#team"
	if !strings.Contains(text, want) || !strings.Contains(html, want+`"`) {
		t.Errorf("the summary lacks a link to %s", want)
	}
}
