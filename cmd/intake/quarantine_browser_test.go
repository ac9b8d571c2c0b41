package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// TestQuarantineHoldsEmailsUntilAnAdminReleases runs the bot defences as
// shipped (SUBMIT_MIN_SECONDS=3): a form posted at machine speed gets its
// result page but no email; an admin finds it in the quarantine, releases
// it, and both emails go out through the real queue and SMTP server.
func TestQuarantineHoldsEmailsUntilAnAdminReleases(t *testing.T) {
	smtp := mailtest.NewServer(t)
	base, a := startApp(t, models.Postgres, "SMTP_URL", smtp.URL(), "SUBMIT_MIN_SECONDS", "3")
	loc := submit(t, base, "Speedy Gonzales", "speedy@example.com")
	token := strings.TrimPrefix(loc, "/results/")
	if _, err := a.store.QuarantinedByToken(context.Background(), token); err != nil {
		t.Fatalf("a form sent at once is not in quarantine: %v", err)
	}
	var jobs int
	if err := a.store.SQLDB().QueryRow(`SELECT count(*) FROM river_job`).Scan(&jobs); err != nil || jobs != 0 {
		t.Fatalf("%d email jobs queued for a quarantined submission (%v)", jobs, err)
	}

	ctx := newBrowser(t)
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "walter@stellapop.example", "Walter Skinner", models.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	for _, vp := range []viewport{phone, desktop} {
		must(t, "open the quarantine", chromedp.Do(ctx, vp.apply(),
			chromedp.Navigate(base+"/admin/quarantine"),
		))
		if vp == phone {
			must(t, "sign in", chromedp.Do(ctx,
				signIn("walter@stellapop.example", password),
			))
		}
		must(t, "see the entry", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".data-table"))))
		if got := text(t, ctx, ".data-table tbody"); !strings.Contains(got, "speedy@example.com") || !strings.Contains(got, "Sent faster than a person could answer") {
			t.Fatalf("quarantine table = %q", got)
		}
		checkAccessible(t, ctx, "quarantine "+vp.name)
		screenshot(t, ctx, "quarantine-"+vp.name)
	}

	must(t, "release", chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//button[starts-with(normalize-space(), "Release")]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	))
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "Released") {
		t.Errorf("notice = %q", got)
	}
	msgs := smtp.WaitForMessages(t, 2, 15*time.Second)
	var to []string
	for _, m := range msgs {
		to = append(to, strings.Join(m.To, ","))
	}
	if !strings.Contains(strings.Join(to, " "), "speedy@example.com") {
		t.Errorf("released lead's emails went to %v", to)
	}
	lead, err := a.store.LeadByToken(context.Background(), token)
	if err != nil || lead.Email != "speedy@example.com" {
		t.Fatalf("released lead = %+v, %v", lead, err)
	}
}

// TestPeopleNeverSeeTheHoneypot checks that the field only bots fill in is
// off-screen, out of the tab order and hidden from assistive technology.
func TestPeopleNeverSeeTheHoneypot(t *testing.T) {
	base, _ := startApp(t, models.SQLite)
	ctx := newBrowser(t)
	for _, vp := range []viewport{phone, desktop} {
		must(t, "open the form", chromedp.Do(ctx, vp.apply(),
			chromedp.Navigate(base+"/diagnostic"),
			chromedp.WaitVisible(chromedp.CSS("#diagnostic-form")),
		))
		type box struct {
			Right, Bottom, Width float64
			Tab                  int
			Hidden               string
		}
		b := eval[box](t, ctx, `(() => { const f = document.getElementById('fax'); const r = f.getBoundingClientRect();
			return {Right: r.right, Bottom: r.bottom, Width: r.width, Tab: f.tabIndex, Hidden: f.closest('[aria-hidden]').getAttribute('aria-hidden')}; })()`)
		if b.Right > 0 && b.Width > 1 || b.Tab != -1 || b.Hidden != "true" {
			t.Errorf("%s: honeypot = %+v, want off-screen, tabindex -1, aria-hidden", vp.name, b)
		}
	}
}
