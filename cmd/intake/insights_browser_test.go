package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestMarketingReadsTheInsights: marketing opens Insights from the menu,
// goes through the three reports on a phone and a desktop, changes the
// range, and every page passes axe-core. The leads are the seed's, so
// the screenshots show reports as they look with real variety.
func TestMarketingReadsTheInsights(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			base, a := startApp(t, dialect)
			ctx := newBrowser(t)
			site, err := loadContent("")
			if err != nil {
				t.Fatal(err)
			}
			g := newLeadFaker(7, 400, site.def, site.consent, time.Now().UTC().Truncate(time.Second))
			var batch []models.LeadWithHistory
			for range 400 {
				batch = append(batch, g.lead())
			}
			if err := a.store.InsertLeadsBatch(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			if err := a.store.AddDailyCounts(context.Background(), g.dailyCounts()); err != nil {
				t.Fatal(err)
			}
			const password = "a long and memorable passphrase"
			if _, err := a.store.CreateUser(context.Background(), "mo@stellapop.example", "Mo Marketing", models.RoleMarketing, password); err != nil {
				t.Fatal(err)
			}
			must(t, "sign in and open Insights from the menu", chromedp.Do(ctx, desktop.apply(),
				chromedp.Navigate(base+"/admin/login"),
				signIn("mo@stellapop.example", password),
				chromedp.WaitVisible(chromedp.CSS(`.admin-nav`)),
				chromedp.Click(chromedp.Search(`//nav[@aria-label="Workspace"]//a[normalize-space()="Insights"]`)),
				chromedp.WaitVisible(chromedp.ID("campaigns")),
			))
			if got := text(t, ctx, "h2.insights-title"); got != "Campaign results" {
				t.Errorf("Insights opens on %q, want the campaign results", got)
			}
			// Sorting by won, from the column's heading.
			must(t, "sort by won", chromedp.Do(ctx,
				chromedp.Click(chromedp.Search(`//th/a[starts-with(normalize-space(), "Won")]`)),
				chromedp.WaitVisible(chromedp.Search(`//th[@aria-sort="descending"]/a[starts-with(normalize-space(), "Won")]`)),
			))
			// A range of the last 30 days, from the form.
			from := time.Now().UTC().AddDate(0, 0, -29).Format(time.DateOnly)
			must(t, "choose a range", chromedp.Do(ctx,
				chromedp.SetValue(chromedp.ID("insights-from"), from),
				chromedp.Click(chromedp.Search(`//button[normalize-space()="Show"]`)),
				chromedp.WaitReady(chromedp.Search(`//input[@id="insights-from" and @value="`+from+`"]`)),
			))
			if url := eval[string](t, ctx, "location.search"); !strings.Contains(url, "from="+from) || !strings.Contains(url, "sort=won") {
				t.Errorf("the range and sort are not in the address: %s", url)
			}

			for _, vp := range []viewport{desktop, phone} {
				for _, r := range []struct{ name, path, ready string }{
					{"campaigns", "/admin/insights/campaigns", "#campaigns"},
					{"answers", "/admin/insights/answers", ".insights-question"},
					{"outcomes", "/admin/insights/outcomes", "#bands-heading"},
				} {
					must(t, "open "+r.name, chromedp.Do(ctx, vp.apply(),
						chromedp.Navigate(base+r.path),
						chromedp.WaitVisible(chromedp.CSS(r.ready)),
					))
					if dialect == models.Postgres {
						screenshot(t, ctx, "insights-"+r.name+"-"+vp.name)
					}
					checkAccessible(t, ctx, r.name+" on a "+vp.name)
					// Nothing wider than the screen: the page never scrolls sideways.
					if wide := eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth"); wide {
						t.Errorf("%s on a %s scrolls sideways", r.name, vp.name)
					}
				}
			}
		})
	}
}
