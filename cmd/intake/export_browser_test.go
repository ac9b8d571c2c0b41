package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// TestMarketingDownloadsConsentedContacts: marketing signs in, previews
// how many contacts the choice gives, and downloads the CSV, which holds
// exactly the contacts who opted in.
func TestMarketingDownloadsConsentedContacts(t *testing.T) {
	base, a := startApp(t, models.Postgres)
	ctx := newBrowser(t)
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "mo@stellapop.example", "Mo Marketing", models.RoleMarketing, password); err != nil {
		t.Fatal(err)
	}
	submit(t, base, "Opted In", "in@example.com") // submit ticks the marketing box
	leadPath := submit(t, base, "Opted Out", "out@example.com")
	lead, err := a.store.LeadByToken(context.Background(), strings.TrimPrefix(leadPath, "/results/"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.WithdrawConsent(context.Background(), lead.ID, models.PurposeMarketing, time.Now()); err != nil {
		t.Fatal(err)
	}

	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	must(t, "sign in and open the export", chromedp.Do(ctx, desktop.apply(),
		chromedp.Navigate(base+"/admin/export"),
		signIn("mo@stellapop.example", password),
		chromedp.WaitVisible(chromedp.Search(`//button[normalize-space()="Preview"]`)),
		chromedp.SetValue(chromedp.ID("export-status"), models.StatusNew),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Preview"]`)),
		// The server marks the chosen status only on the previewed page, so
		// this waits for it rather than reading the page the click left.
		chromedp.WaitReady(chromedp.Search(`//select[@id="export-status"]/option[@value="new" and @selected]`)),
		chromedp.WaitVisible(chromedp.CSS(".export-count")),
	))
	if got := text(t, ctx, ".export-count"); !strings.HasPrefix(got, "1 contacts match") && !strings.HasPrefix(got, "1 contact") {
		t.Errorf("preview says %q, want one contact", got)
	}
	screenshot(t, ctx, "workspace-export-desktop")
	checkAccessible(t, ctx, "export")

	must(t, "download the CSV", chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//a[normalize-space()="Download CSV"]`))))
	var file string
	deadline := time.Now().Add(15 * time.Second)
	for file == "" && time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.csv"))
		if len(matches) == 1 {
			file = matches[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	if file == "" {
		t.Fatal("no CSV was downloaded")
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the download is not CSV: %v", err)
	}
	if len(rows) != 2 || !strings.Contains(strings.Join(rows[1], ","), "in@example.com") {
		t.Errorf("downloaded %d rows: %q; want the header and the one opted-in contact", len(rows), rows)
	}
}
