package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// TestAdminManagesUsersOnAPhone opens the users page at both widths: every
// user's controls are on screen (on a phone each user is a card), the page
// passes axe, and disabling a user from the phone works.
func TestAdminManagesUsersOnAPhone(t *testing.T) {
	base, a := startApp(t, models.SQLite)
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "walter@stellapop.example", "Walter Skinner", models.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.CreateUser(context.Background(), "monica@stellapop.example", "Monica Reyes", models.RoleMarketing, password); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	must(t, "sign in", chromedp.Do(ctx, phone.apply(),
		chromedp.Navigate(base+"/admin/users"),
		signIn("walter@stellapop.example", password),
		chromedp.WaitVisible(chromedp.CSS(".data-table")),
	))
	for _, vp := range []viewport{desktop, phone} {
		must(t, "open the users page", chromedp.Do(ctx, vp.apply(),
			chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(".data-table"))))
		if n := offScreen(t, ctx, ".data-table tbody button, .data-table tbody select, .data-table tbody input"); n != 0 {
			t.Errorf("users on a %s: %d controls off screen", vp.name, n)
		}
		checkAccessible(t, ctx, "users "+vp.name)
		screenshot(t, ctx, "users-"+vp.name)
	}

	must(t, "disable Monica from the phone", chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//tr[td[normalize-space()="monica@stellapop.example"]]//button[normalize-space()="Disable"]`)),
		chromedp.WaitVisible(chromedp.Search(`//tr[td[normalize-space()="monica@stellapop.example"]]//button[normalize-space()="Enable"]`)),
	))
	u, err := a.store.UserByEmail(context.Background(), "monica@stellapop.example")
	if err != nil || !u.Disabled() {
		t.Errorf("Monica after Disable: %+v (%v), want disabled", u, err)
	}
}
