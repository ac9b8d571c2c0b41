package mail_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// The summary links the result PDF in both parts; the PDF itself is never
// attached (the message has a text and an HTML part, nothing else).
func TestSummaryLinksTheResultPDF(t *testing.T) {
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
	const want = "/results/tok123/report.pdf"
	if !strings.Contains(text, want) {
		t.Errorf("the text part lacks a link to %s", want)
	}
	if !strings.Contains(html, `href="`) || !strings.Contains(html, want+`"`) {
		t.Errorf("the HTML part lacks a link to %s", want)
	}
	if bytes.Contains(raw.Bytes(), []byte("application/pdf")) || bytes.Contains(raw.Bytes(), []byte("attachment")) {
		t.Error("the summary carries an attachment; the PDF is a link")
	}
}
