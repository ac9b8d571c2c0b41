package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// TestUserMakesAndRevokesATokenInTheBrowser: a consultant makes a token on
// the tokens page, sees it once, and revokes it from a phone; the page
// passes axe at both widths, with the new token showing and with the list.
func TestUserMakesAndRevokesATokenInTheBrowser(t *testing.T) {
	base, a := startApp(t, models.SQLite)
	const password = "a long and memorable passphrase"
	ctx0 := context.Background()
	dana, err := a.store.CreateUser(ctx0, "dana@stellapop.example", "Dana Scully", models.RoleConsultant, password)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.store.CreateAPIToken(ctx0, dana.ID, "Old notebook", []string{models.ScopeLeadsRead}, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	must(t, "sign in", chromedp.Do(ctx, desktop.apply(),
		chromedp.Navigate(base+"/admin/tokens"),
		signIn("dana@stellapop.example", password),
		chromedp.WaitVisible(chromedp.ID("token-name")),
	))
	must(t, "make a token", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("token-name"), "CRM sync"),
		chromedp.Click(chromedp.ID("scope-leads-read")),
		chromedp.Click(chromedp.ID("scope-leads-write")),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("new-token")),
	))
	shown := text(t, ctx, "#new-token")
	if !models.WellFormedAPIToken(strings.TrimSpace(shown)) {
		t.Errorf("the page shows %q, not a token", shown)
	}
	for _, vp := range []viewport{desktop, phone} {
		must(t, "resize", chromedp.Do(ctx, vp.apply()))
		checkAccessible(t, ctx, "new token "+vp.name)
		screenshot(t, ctx, "tokens-new-"+vp.name)
	}
	for _, vp := range []viewport{desktop, phone} {
		must(t, "open the tokens page", chromedp.Do(ctx, vp.apply(),
			chromedp.Navigate(base+"/admin/tokens"), chromedp.WaitVisible(chromedp.CSS(".data-table"))))
		if n := offScreen(t, ctx, ".data-table tbody button, #token-days, .scope-choices input"); n != 0 {
			t.Errorf("tokens on a %s: %d controls off screen", vp.name, n)
		}
		checkAccessible(t, ctx, "tokens "+vp.name)
		screenshot(t, ctx, "tokens-"+vp.name)
	}
	must(t, "revoke CRM sync from the phone", chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//tr[td[normalize-space()="CRM sync"]]//button[normalize-space()="Revoke"]`)),
		chromedp.WaitVisible(chromedp.Search(`//tr[td[normalize-space()="CRM sync"]]//span[normalize-space()="revoked"]`)),
	))
	toks, err := a.store.APITokens(ctx0, dana.ID)
	if err != nil || len(toks) != 2 || toks[0].RevokedAt == nil || toks[1].RevokedAt != nil {
		t.Errorf("after revoking: %+v (%v), want CRM sync revoked and the old one not", toks, err)
	}
}
