package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// TestAdminErasesALead: a visitor reads the privacy page; an admin opens
// their lead, follows "Erase this lead…", is stopped until the box is
// ticked, erases, and lands on the lead showing when it was erased. Every
// page passes axe-core.
func TestAdminErasesALead(t *testing.T) {
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			base, a := startApp(t, models.SQLite, "RETENTION_DAYS", "730")
			ctx := newBrowser(t)
			must(t, "read the privacy page", chromedp.Do(ctx, vp.apply(),
				chromedp.Navigate(base+"/privacy"),
				chromedp.WaitVisible(chromedp.CSS("h1")),
			))
			if body := text(t, ctx, "main"); !strings.Contains(body, "730 days (about two years)") {
				t.Errorf("the privacy page does not state the retention period:\n%s", body)
			}
			checkAccessible(t, ctx, "privacy page")
			screenshot(t, ctx, "privacy-page-"+vp.name)

			const password = "a long and memorable passphrase"
			if _, err := a.store.CreateUser(context.Background(), "walter@stellapop.example", "Walter Skinner", models.RoleAdmin, password); err != nil {
				t.Fatal(err)
			}
			submit(t, base, "Fox Mulder", "fox@example.com")
			must(t, "sign in and open the lead", chromedp.Do(ctx,
				chromedp.Navigate(base+"/admin/leads?q=mulder"),
				signIn("walter@stellapop.example", password),
				chromedp.WaitVisible(chromedp.Search(`//a[normalize-space()="Fox Mulder"]`)),
				chromedp.Click(chromedp.Search(`//a[normalize-space()="Fox Mulder"]`)),
				chromedp.WaitVisible(chromedp.ID("privacy-title")),
			))
			checkAccessible(t, ctx, "lead page with the privacy panel")

			must(t, "follow the erase link", chromedp.Do(ctx,
				chromedp.Click(chromedp.Search(`//a[normalize-space()="Erase this lead…"]`)),
				chromedp.WaitVisible(chromedp.ID("confirm")),
			))
			if h1 := text(t, ctx, "h1"); h1 != "Erase Fox Mulder? This cannot be undone." {
				t.Errorf("erase page h1 = %q", h1)
			}
			checkAccessible(t, ctx, "erase page")
			screenshot(t, ctx, "privacy-erase-"+vp.name)

			// The browser insists on the box; without it the server does too.
			must(t, "submit without the box", chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`document.getElementById("confirm").required = false`),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Erase for good"]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")),
			))
			checkAccessible(t, ctx, "erase page with its error")

			must(t, "tick the box and erase", chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`label[for="confirm"]`)),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Erase for good"]`)),
				chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Erased on")]`)),
			))
			if body := text(t, ctx, "main"); strings.Contains(body, "Fox Mulder") || strings.Contains(body, "fox@example.com") {
				t.Errorf("the erased lead's page still shows who they were:\n%s", body)
			}
			checkAccessible(t, ctx, "erased lead page")
			screenshot(t, ctx, "privacy-erased-lead-"+vp.name)
		})
	}
}
