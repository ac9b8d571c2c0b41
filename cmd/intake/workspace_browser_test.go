package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// TestConsultantWorksANewLead: a visitor takes the diagnostic; a
// consultant signs in, finds the lead in the inbox, moves it to contacted,
// notes the call, and sees both in the lead's history.
func TestConsultantWorksANewLead(t *testing.T) {
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			base, a := startApp(t, models.Postgres)
			ctx := newBrowser(t)
			const password = "a long and memorable passphrase"
			if _, err := a.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleConsultant, password); err != nil {
				t.Fatal(err)
			}
			submit(t, base, "Fox Mulder", "fox@example.com")

			must(t, "sign in", chromedp.Do(ctx, vp.apply(),
				chromedp.Navigate(base+"/admin"),
				signIn("dana@stellapop.example", password),
				chromedp.WaitVisible(chromedp.CSS(".admin-nav")),
			))
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/admin") {
				t.Fatalf("after signing in at %s, want the dashboard", loc)
			}
			screenshot(t, ctx, "workspace-dashboard-"+vp.name)
			checkAccessible(t, ctx, "dashboard")

			must(t, "open the inbox and search", chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/leads?q="+url.QueryEscape("mulder")),
				chromedp.WaitVisible(chromedp.Search(`//a[normalize-space()="Fox Mulder"]`)),
			))
			screenshot(t, ctx, "workspace-inbox-"+vp.name)
			checkAccessible(t, ctx, "inbox")
			// Every column of a lead is on screen, on a phone too.
			if n := offScreen(t, ctx, ".inbox-table tbody td"); n != 0 {
				t.Errorf("inbox on a %s: %d of the lead's cells off screen", vp.name, n)
			}

			must(t, "open the lead", chromedp.Do(ctx,
				chromedp.Click(chromedp.Search(`//a[normalize-space()="Fox Mulder"]`)),
				chromedp.WaitVisible(chromedp.ID("status")),
			))
			if h1 := text(t, ctx, "h1"); h1 != "Fox Mulder" {
				t.Errorf("lead page h1 = %q", h1)
			}
			checkAccessible(t, ctx, "lead page")

			must(t, "move the lead to contacted", chromedp.Do(ctx,
				chromedp.SetValue(chromedp.ID("status"), models.StatusContacted),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Save status"]`)),
				chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,"notice")]/p[normalize-space()="Status changed."]`)),
			))
			must(t, "note the call", chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("note-body"), "Called Fox: wants a workshop on coaching in January."),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Add note"]`)),
				chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,"notice")]/p[normalize-space()="Note added."]`)),
			))
			history := text(t, ctx, ".history")
			for _, want := range []string{"Status changed: new → contacted", "Note added", "by Dana Scully"} {
				if !strings.Contains(history, want) {
					t.Errorf("history lacks %q:\n%s", want, history)
				}
			}
			if body := text(t, ctx, "main"); !strings.Contains(body, "wants a workshop on coaching") {
				t.Errorf("the note is not on the page")
			}
			screenshot(t, ctx, "workspace-lead-"+vp.name)
		})
	}
}
