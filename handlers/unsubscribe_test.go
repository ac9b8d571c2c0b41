package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// optedInLead submits the diagnostic with the marketing box ticked.
func (s *site) optedInLead() *models.Lead {
	s.t.Helper()
	form := s.validForm(diagnostictest.Value(3))
	form.Set("consent_marketing", "yes")
	token := strings.TrimPrefix(s.post("/diagnostic", form).header.Get("Location"), "/results/")
	lead, err := s.store.LeadByToken(context.Background(), token)
	if err != nil {
		s.t.Fatal(err)
	}
	return lead
}

func (s *site) marketingConsent(id int64) models.Consent {
	s.t.Helper()
	lead, err := s.store.LeadByID(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	c, _ := lead.Consent(models.PurposeMarketing)
	return c
}

func TestUnsubscribeAsksFirstThenWithdraws(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead := s.optedInLead()
		path := "/unsubscribe/" + mail.UnsubscribeToken(testSecret, lead.ID)

		page := s.get(path)
		if page.status != http.StatusOK || !strings.Contains(page.body, `<form method="post" action="`+path+`">`) {
			t.Fatalf("GET %s = %d without a confirm button", path, page.status)
		}
		if !s.marketingConsent(lead.ID).Active() {
			t.Fatal("opening the link must not unsubscribe: mail scanners open links")
		}

		done := s.postRaw(path, "")
		if done.status != http.StatusOK || !strings.Contains(done.body, "You’re unsubscribed") {
			t.Fatalf("POST %s = %d", path, done.status)
		}
		c := s.marketingConsent(lead.ID)
		if c.Active() || c.WithdrawnAt == nil {
			t.Fatalf("consent after unsubscribing = %+v", c)
		}
		first := *c.WithdrawnAt

		// Again, and from a mail client's one-click button: harmless.
		again := s.postRaw(path, "List-Unsubscribe=One-Click")
		if again.status != http.StatusOK {
			t.Errorf("second unsubscribe = %d", again.status)
		}
		if c := s.marketingConsent(lead.ID); !c.WithdrawnAt.Equal(first) {
			t.Errorf("withdrawal time moved from %v to %v", first, c.WithdrawnAt)
		}
		if page := s.get(path); !strings.Contains(page.body, "You’re unsubscribed") {
			t.Errorf("the link should now say the reader is unsubscribed")
		}
		if page.header.Get("Cache-Control") != "no-store" || !strings.Contains(page.body, "noindex") {
			t.Errorf("unsubscribe pages must be private")
		}
	})
}

func TestOneClickUnsubscribe(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead := s.optedInLead()
		// A mail provider posts without cookies or a form token.
		req, _ := http.NewRequest(http.MethodPost, s.url+"/unsubscribe/"+mail.UnsubscribeToken(testSecret, lead.ID),
			strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || s.marketingConsent(lead.ID).Active() {
			t.Errorf("one-click unsubscribe = %d, consent still active: %v", res.StatusCode, s.marketingConsent(lead.ID).Active())
		}
	})
}

func TestUnsubscribeLinksCannotBeForged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead := s.optedInLead()
		for _, tok := range []string{"1", "1.abc", mail.UnsubscribeToken([]byte("some other secret of 32+ bytes!!"), lead.ID), mail.UnsubscribeToken(testSecret, lead.ID+1000)} {
			if r := s.postRaw("/unsubscribe/"+tok, ""); r.status != http.StatusNotFound {
				t.Errorf("POST with token %q = %d, want 404", tok, r.status)
			}
		}
		if !s.marketingConsent(lead.ID).Active() {
			t.Errorf("a forged link unsubscribed the lead")
		}
	})
}
