package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// offScreenJS lists the elements matching a selector that stick out of
// the screen's width, or out of a box that cuts them off (a table that
// scrolls in its box, a chart's drawing), each as tag#id.class "text",
// what it sticks out of, and by how many pixels.
// Elements clipped away on purpose (visually-hidden text, a phone table's
// hidden header) are not seen, so they do not count.
const offScreenJS = `((sel) => {
	const width = document.documentElement.clientWidth;
	const unseen = e => {
		for (let a = e; a; a = a.parentElement) {
			const s = getComputedStyle(a);
			if (s.clipPath !== 'none' || (s.clip !== 'auto' && s.position === 'absolute')) return true;
		}
		return false;
	};
	const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
		[...e.classList].map(c => '.' + c).join('');
	// The nearest box that cuts off what sticks out of it sideways: one
	// that clips or scrolls its content, or an SVG drawing.
	const clipper = e => {
		for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			if (a.tagName.toLowerCase() === 'svg' || getComputedStyle(a).overflowX !== 'visible') return a;
		}
		return null;
	};
	return [...document.querySelectorAll(sel)].flatMap(e => {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || unseen(e)) return [];
		let left = 0, right = width, by = 'the screen';
		const c = clipper(e);
		if (c) {
			const b = c.getBoundingClientRect();
			left = Math.max(left, b.left), right = Math.min(right, b.right), by = name(c);
		}
		if (r.left >= left - 1 && r.right <= right + 1) return [];
		const over = Math.round(r.left < left ? left - r.left : r.right - right);
		return [name(e) + ' "' + (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '" out of ' + by + ' by ' + over + 'px'];
	});
})(%q)`

// offScreen counts the elements matching sel that stick out of the
// screen's width, as a table too wide for a phone leaves them.
func offScreen(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	return len(eval[[]string](t, ctx, fmt.Sprintf(offScreenJS, sel)))
}

// checkFitsScreen fails the test for every element of the page that sticks
// out of the screen's width, and if the page scrolls sideways.
func checkFitsScreen(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for _, e := range eval[[]string](t, ctx, fmt.Sprintf(offScreenJS, "body *")) {
		t.Errorf("%s: off screen: %s", page, e)
	}
	scroll := eval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if scroll[0] > scroll[1] {
		t.Errorf("%s: the page scrolls sideways: %d px wide on a %d px screen", page, scroll[0], scroll[1])
	}
}

// Names, companies and addresses as long as real ones get: a German
// association, a double-barrelled name, an address of 100 characters.
const (
	longCompany   = "Internationale Vereinigung für Organisationsentwicklung und Führungskräfteberatung GmbH"
	longName      = "Maximiliane Alexandra von Hohenzollern-Sigmaringen"
	longEmail     = "maximiliane.alexandra.von.hohenzollern-sigmaringen@organisationsentwicklung-international.example"
	longRole      = "Leiterin Organisationsentwicklung und Führungskräfteentwicklung"
	longUserName  = "Konstantin Alexander Papadopoulos-Vandenberghe"
	longUserEmail = "konstantin.papadopoulos-vandenberghe@stellapop-international-consulting.example"
	longMarketing = "marie-christine.oberhauser-lindqvist@stellapop-international-consulting.example"
)

// TestWorkspaceFitsTheScreen opens every page of the workspace at a
// phone's width and a desktop's, with users and leads whose names,
// companies and addresses are as long as they come: no element may stick
// out of the screen, and no page may scroll sideways.
func TestWorkspaceFitsTheScreen(t *testing.T) {
	base, a := startApp(t, models.Postgres)
	ctx := context.Background()
	const password = "a long and memorable passphrase"
	admin, err := a.store.CreateUser(ctx, longUserEmail, longUserName, models.RoleAdmin, password)
	if err != nil {
		t.Fatal(err)
	}
	// The owner picker that once widened the lead page on a phone.
	for _, u := range []struct{ email, name, role string }{
		{"consultant@stellapop.example", "", models.RoleConsultant},
		{longMarketing, "", models.RoleMarketing},
	} {
		if _, err := a.store.CreateUser(ctx, u.email, u.name, u.role, password); err != nil {
			t.Fatal(err)
		}
	}
	leadID := seedLongLeads(t, a)
	if err := a.store.SetLeadOwner(ctx, leadID, 1, &admin.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AddLeadNote(ctx, leadID, admin.ID, "Sent the offer as discussed: https://stellapop.example/angebote/organisationsentwicklung-fuehrungskraefteberatung-2027-rahmenvertrag"); err != nil {
		t.Fatal(err)
	}

	browser := newBrowser(t)
	must(t, "open the sign-in page", chromedp.Do(browser, phone.apply(),
		chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("password"))))
	checkFitsScreen(t, browser, "sign-in on a phone")
	must(t, "sign in", chromedp.Do(browser, signIn(longUserEmail, password), chromedp.WaitVisible(chromedp.CSS(".admin-nav"))))
	// An export, so the export page's log names the long address.
	if _, err := chromedp.Run(browser, chromedp.Evaluate[int](`fetch("/admin/export.csv").then(r => r.status)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("export: %v", err)
	}

	lead := "/admin/leads/" + strconv.FormatInt(leadID, 10)
	pages := []struct{ name, path string }{
		{"dashboard", "/admin"},
		{"inbox", "/admin/leads"},
		{"inbox-search", "/admin/leads?q=" + url.QueryEscape("Hohenzollern")},
		{"lead", lead},
		{"erase", lead + "/erase"},
		{"export", "/admin/export"},
		{"quarantine", "/admin/quarantine"},
		{"users", "/admin/users"},
		{"integrations", "/admin/integrations"},
	}
	for _, vp := range []viewport{phone, desktop} {
		for _, p := range pages {
			must(t, "open the "+p.name, chromedp.Do(browser, vp.apply(),
				chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			checkFitsScreen(t, browser, p.name+" on a "+vp.name)
			screenshot(t, browser, "onscreen-"+p.name+"-"+vp.name)
		}
	}
}

// seedLongLeads stores leads made the way `intake seed` makes them, but
// with long names, companies and addresses, received ten days ago so the
// dashboard lists them as waiting; one more waits in the quarantine. It
// returns the first lead's id.
func seedLongLeads(t *testing.T, a *app) int64 {
	t.Helper()
	ctx := context.Background()
	consent, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		t.Fatal(err)
	}
	received := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Second)
	faker := newLeadFaker(1, 4, a.def, consent, time.Now().UTC())
	people := []struct{ name, email, company string }{
		{longName, longEmail, longCompany},
		{"Bartholomew Montgomery-Fitzwilliam", "bartholomew.montgomery-fitzwilliam@rheinisch-westfaelische-versorgung.example",
			"Rheinisch-Westfälische Elektrizitätswerksgesellschaft für Versorgungsinfrastruktur AG"},
		{"Anna", "anna@kurz.example", "Kurz AG"},
	}
	var batch []models.LeadWithHistory
	for _, p := range people {
		l := faker.lead().Lead
		l.Name, l.Email, l.Company, l.Role = p.name, p.email, p.company, longRole
		l.CreatedAt, l.Status, l.Version, l.TouchedAt = received, models.StatusNew, 1, nil
		l.Source.UTMSource, l.Source.UTMCampaign = "partner-newsletter-organisationsentwicklung-fuehrungskraefte", "fuehrungskraefteberatung-herbst-2026"
		for i := range l.Consents {
			l.Consents[i].DecidedAt = received
		}
		batch = append(batch, models.LeadWithHistory{Lead: l})
	}
	if err := a.store.InsertLeadsBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	held := faker.lead().Lead
	held.Name, held.Email, held.Company = "Wolfgang Amadeus Hieronymus Colloredo-Mannsfeld", "wolfgang.colloredo-mannsfeld@internationale-vereinigung.example", longCompany
	if _, err := a.store.Quarantine(ctx, held, models.QuarantineTooFast); err != nil {
		t.Fatal(err)
	}
	return batch[0].Lead.ID
}
