package mail_test

import (
	"html"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/booking"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// The prospect's email opens a Calendly or Cal.com page already filled in
// with their name, address and result link: the same link the result page
// gives, made by booking.Link.
func TestProspectEmailPrefillsTheBookingLink(t *testing.T) {
	_, def, cons := composer(t)
	base, _ := url.Parse("https://intake.example.com")
	lead := &models.Lead{ID: 7, Token: "tok-7", Name: "Zoë O'Brien", Email: "zoe@example.com", Band: def.Bands[0].ID,
		DiagnosticVersion: def.Version, CreatedAt: time.Now()}
	for i, d := range def.Dimensions {
		lead.Scores = append(lead.Scores, models.Score{Dimension: d.ID, Position: i + 1, Score: 50})
	}
	for _, link := range []string{"https://calendly.com/stellapop/30min", "https://cal.com/stellapop/intro", "https://stellapop.example/book"} {
		c, err := mail.NewComposer(mail.ComposerConfig{
			Diagnostic: def, Consent: cons, BaseURL: base, ArticlePath: "/articles/leadership-vs-management",
			BookingURL: link, From: &netmail.Address{Address: "hello@stellapop.example"},
			Team: []*netmail.Address{{Address: teamAddress}}, Secret: testSecret,
		})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := c.Compose(lead, models.EmailProspectSummary, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if _, err := msg.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		want := booking.Link(link, booking.Prefill{Name: lead.Name, Email: lead.Email, ResultURL: "https://intake.example.com/results/tok-7"})
		if link != "https://stellapop.example/book" && want == link {
			t.Fatalf("%s: booking.Link did not prefill", link)
		}
		_, textPart, htmlPart := parts(t, mailtest.Message{Data: []byte(b.String())})
		if !strings.Contains(textPart, want) {
			t.Errorf("%s: the text email lacks %s", link, want)
		}
		if !strings.Contains(html.UnescapeString(htmlPart), `href="`+want+`"`) {
			t.Errorf("%s: the HTML email lacks the link %s", link, want)
		}
	}
}
