package mail_test

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// parts reads the text and HTML parts of a multipart/alternative message.
func parts(t *testing.T, m mailtest.Message) (msg *netmail.Message, text, html string) {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("want a text and an HTML part")
	}
	return msg, text, html
}

func decodedHeader(t *testing.T, msg *netmail.Message, name string) string {
	t.Helper()
	v, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get(name))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// byRecipient finds the message sent to addr.
func byRecipient(t *testing.T, msgs []mailtest.Message, addr string) mailtest.Message {
	t.Helper()
	for _, m := range msgs {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) {
			return m
		}
	}
	t.Fatalf("no message to %s among %d", addr, len(msgs))
	return mailtest.Message{}
}

func TestEachLeadGetsTwoTailoredEmails(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.start()
			lead := r.saveLead(nil)
			msgs := r.smtp.WaitForMessages(t, 2, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if n := len(r.smtp.Messages()); n != 2 {
				t.Fatalf("%d messages, want exactly 2", n)
			}
			res := r.def.ResultFrom(lead.ScoreMap())

			prospect := byRecipient(t, msgs, "ada@example.com")
			msg, text, html := parts(t, prospect)
			if subj := decodedHeader(t, msg, "Subject"); subj != "Your result: "+res.Band.Title+" — Is your manager leading?" {
				t.Errorf("prospect subject = %q", subj)
			}
			for _, d := range res.Dimensions {
				row := fmt.Sprintf("%-20s %3d/100", d.Dimension.Name, d.Score)
				if !strings.Contains(text, row) || !strings.Contains(html, d.Dimension.Name) {
					t.Errorf("prospect email lacks the score row %q", row)
				}
			}
			for _, g := range res.GrowthAreas {
				if !strings.Contains(html, "https://intake.example.com/articles/leadership-vs-management#"+g.Dimension.Advice.Section) {
					t.Errorf("prospect email lacks the article link for %s", g.Dimension.ID)
				}
			}
			if !strings.Contains(text, "https://intake.example.com/results/"+lead.Token) || !strings.Contains(html, "https://stellapop.example/book") {
				t.Errorf("prospect email lacks the result link or the booking link")
			}
			if u := msg.Header.Get("List-Unsubscribe"); !strings.HasPrefix(u, "<https://intake.example.com/unsubscribe/") ||
				msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe %q / %q", u, msg.Header.Get("List-Unsubscribe-Post"))
			}
			if strings.Contains(html, "<img") || strings.Contains(html, "<link") {
				t.Errorf("the HTML email must not load anything from outside")
			}
			if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<prospect_summary.") || !strings.HasSuffix(id, "@intake.example.com>") {
				t.Errorf("Message-ID = %q", id)
			}

			team := byRecipient(t, msgs, teamAddress)
			tmsg, ttext, thtml := parts(t, team)
			want := fmt.Sprintf("New lead: Ada Lovelace, Acme — %s (%d)", res.Band.Title, lead.OverallIndex)
			if subj := decodedHeader(t, tmsg, "Subject"); subj != want {
				t.Errorf("team subject = %q, want %q", subj, want)
			}
			admin := fmt.Sprintf("https://intake.example.com/admin/leads/%d", lead.ID)
			if !strings.Contains(ttext, admin) || !strings.Contains(thtml, admin) {
				t.Errorf("team email lacks the lead link %s", admin)
			}
			for _, q := range r.def.Questions {
				if !strings.Contains(ttext, q.Text) {
					t.Errorf("team email lacks question %s", q.ID)
				}
			}
			if !strings.Contains(ttext, "utm_campaign: autumn") || !strings.Contains(ttext, "marketing: yes") {
				t.Errorf("team email lacks the source or the consents:\n%s", ttext)
			}
			if rt := tmsg.Header.Get("Reply-To"); !strings.Contains(rt, "ada@example.com") {
				t.Errorf("team Reply-To = %q, want the prospect", rt)
			}

			for _, kind := range models.EmailKinds {
				s := r.emailState(lead.ID, kind)
				if s.SentAt == nil || s.Attempts != 1 || s.Status() != "sent" {
					t.Errorf("%s state = %+v", kind, s)
				}
			}
		})
	}
}

func TestNoUnsubscribeHeaderWithoutMarketingConsent(t *testing.T) {
	r := newRig(t, models.SQLite)
	r.start()
	r.saveLead(func(l *models.Lead) {
		for i := range l.Consents {
			if l.Consents[i].Purpose == models.PurposeMarketing {
				l.Consents[i].Granted = false
			}
		}
	})
	msgs := r.smtp.WaitForMessages(t, 2, 15*time.Second)
	msg, text, _ := parts(t, byRecipient(t, msgs, "ada@example.com"))
	if msg.Header.Get("List-Unsubscribe") != "" || strings.Contains(text, "/unsubscribe/") {
		t.Errorf("a prospect who did not opt in got an unsubscribe link")
	}
}

func TestMailServerDownThenUp(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.smtp.Stop()
			r.start()
			lead := r.saveLead(nil)
			r.waitFor("failed attempts while the server is down", 10*time.Second, func() bool {
				return r.emailState(lead.ID, models.EmailProspectSummary).Attempts >= 2 &&
					r.emailState(lead.ID, models.EmailTeamNotification).Attempts >= 2
			})
			s := r.emailState(lead.ID, models.EmailProspectSummary)
			if s.Status() != "retrying" || s.LastError == "" {
				t.Errorf("state while down = %+v", s)
			}
			r.smtp.Start()
			r.smtp.WaitForMessages(t, 2, 20*time.Second)
			time.Sleep(500 * time.Millisecond)
			if n := len(r.smtp.Messages()); n != 2 {
				t.Errorf("%d messages after the server came back, want exactly 2", n)
			}
			if s := r.emailState(lead.ID, models.EmailProspectSummary); s.SentAt == nil {
				t.Errorf("prospect email not recorded as sent: %+v", s)
			}
		})
	}
}

func TestTemporaryRefusalIsRetried(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.smtp.FailNextData(1, 451, "Requested action aborted: local error in processing")
			r.start()
			lead := r.saveLead(nil)
			r.smtp.WaitForMessages(t, 2, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if n := len(r.smtp.Messages()); n != 2 {
				t.Errorf("%d messages, want 2: each delivered once", n)
			}
			if n := r.smtp.DataAttempts(); n != 3 {
				t.Errorf("%d DATA commands, want 3 (one refused, then two accepted)", n)
			}
			attempts := r.emailState(lead.ID, models.EmailProspectSummary).Attempts + r.emailState(lead.ID, models.EmailTeamNotification).Attempts
			if attempts != 3 {
				t.Errorf("%d attempts recorded, want 3", attempts)
			}
		})
	}
}

func TestPermanentRefusalIsNotRetried(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.smtp.RejectRecipient("ada@example.com", 550, "No such user here")
			r.start()
			lead := r.saveLead(nil)
			r.smtp.WaitForMessages(t, 1, 15*time.Second)
			r.waitFor("the refusal to be recorded", 10*time.Second, func() bool {
				return r.emailState(lead.ID, models.EmailProspectSummary).FailedAt != nil
			})
			time.Sleep(600 * time.Millisecond) // a dozen retry delays
			s := r.emailState(lead.ID, models.EmailProspectSummary)
			if s.Attempts != 1 || s.Status() != "failed" || !strings.Contains(s.LastError, "550") {
				t.Errorf("prospect email state = %+v, want one failed attempt with the 550 recorded", s)
			}
			if n := r.jobsIn("cancelled"); n != 1 {
				t.Errorf("%d cancelled jobs, want the refused one", n)
			}
			if s := r.emailState(lead.ID, models.EmailTeamNotification); s.SentAt == nil {
				t.Errorf("the team email should still go out: %+v", s)
			}
		})
	}
}

// TestSentEmailIsNotSentAgain covers a worker stopped after the server
// accepted the message and the send was recorded, but before the queue
// recorded the job done: the job runs again and must send nothing.
func TestSentEmailIsNotSentAgain(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.start()
			lead := r.saveLead(nil)
			r.smtp.WaitForMessages(t, 2, 15*time.Second)
			r.waitFor("both sends to be recorded", 10*time.Second, func() bool {
				return r.emailState(lead.ID, models.EmailProspectSummary).SentAt != nil &&
					r.emailState(lead.ID, models.EmailTeamNotification).SentAt != nil
			})
			r.requeue(lead)
			r.waitFor("the repeated jobs to finish", 15*time.Second, func() bool { return r.jobsIn("completed") == 4 })
			if n := len(r.smtp.Messages()); n != 2 {
				t.Errorf("%d messages, want 2: a recorded send is never repeated", n)
			}
			if s := r.emailState(lead.ID, models.EmailProspectSummary); s.Attempts != 1 {
				t.Errorf("attempts = %d, want 1", s.Attempts)
			}
		})
	}
}

func TestTextFromVisitorsNeverAddsHeadersOrRecipients(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			r := newRig(t, dialect)
			r.start()
			name := "Zoë \"Zed\" O'Brien, 李雷\r\nBcc: victim@example.com"
			r.saveLead(func(l *models.Lead) {
				l.Name = name
				l.Company = "Acme\r\nX-Injected: yes\r\nCc: other@example.com"
				l.Role = "=?utf-8?q?=0D=0ABcc:_encoded@example.com?="
				l.Source.UTMCampaign = "x\r\nBcc: utm@example.com"
			})
			msgs := r.smtp.WaitForMessages(t, 2, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if len(r.smtp.Messages()) != 2 {
				t.Fatalf("%d messages, want 2", len(r.smtp.Messages()))
			}
			for _, m := range msgs {
				if len(m.To) != 1 || (m.To[0] != "ada@example.com" && m.To[0] != teamAddress) {
					t.Errorf("recipients %v: an injected address was added", m.To)
				}
				msg, err := m.Parse()
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range []string{"Bcc", "Cc", "X-Injected"} {
					if v := msg.Header.Get(h); v != "" {
						t.Errorf("header %s: %q was injected", h, v)
					}
				}
			}
			msg, _, _ := parts(t, byRecipient(t, msgs, "ada@example.com"))
			to, err := (&netmail.AddressParser{WordDecoder: new(mime.WordDecoder)}).Parse(msg.Header.Get("To"))
			if err != nil {
				t.Fatalf("To %q does not parse: %v", msg.Header.Get("To"), err)
			}
			if to.Address != "ada@example.com" || to.Name != "Zoë \"Zed\" O'Brien, 李雷 Bcc: victim@example.com" {
				t.Errorf("To = %q <%s>: the display name was not encoded faithfully", to.Name, to.Address)
			}
		})
	}
}
