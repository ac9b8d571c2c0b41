package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
)

// recordViolations runs before any page script: it keeps every CSP report
// of the page in window.__csp, for the test to read.
const recordViolations = `window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
	window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || '') + ' ' + (e.sample || '')));`

// The payloads set window.__pwned and open a dialog if any of them runs.
var xssPayloads = map[string]string{
	"name":    `<img src=x onerror="window.__pwned=1;alert('name')"> Ada`,
	"company": `"><svg onload="window.__pwned=2;alert('company')">`,
	"role":    `<script>window.__pwned=3;alert('role')</script>`,
}

// xssWatch counts the dialogs a page opened.
type xssWatch struct {
	mu      sync.Mutex
	dialogs []string
}

func watchForXSS(t *testing.T, ctx context.Context) *xssWatch {
	t.Helper()
	w := &xssWatch{}
	if err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			w.mu.Lock()
			w.dialogs = append(w.dialogs, string(d.Type)+": "+d.Message)
			w.mu.Unlock()
			// A dialog stalls the page; dismiss it from outside the listener.
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
				return err
			}))
		}
	}); err != nil {
		t.Fatal(err)
	}
	must(t, "record CSP reports", chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations})
		return err
	})))
	return w
}

// check fails the test if the current page ran a payload, reported a CSP
// violation, or any page so far opened a dialog.
func (w *xssWatch) check(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if pwned := eval[int](t, ctx, `window.__pwned || 0`); pwned != 0 {
		t.Errorf("%s: a payload ran (window.__pwned = %d)", where, pwned)
	}
	if csp := eval[[]string](t, ctx, `window.__csp || ['the CSP recorder did not run']`); len(csp) > 0 {
		t.Errorf("%s: CSP violations: %v", where, csp)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.dialogs) > 0 {
		t.Errorf("%s: JavaScript dialogs opened: %v", where, w.dialogs)
		w.dialogs = nil
	}
}

// TestXSSPayloadsStayText takes the diagnostic with JavaScript on and
// script in the text fields, through a refusal and a success, then views
// the result and, as an admin, the inbox and the lead page: no payload may
// run, no dialog open and no CSP violation be reported, and each payload
// must read back as the text it was.
func TestXSSPayloadsStayText(t *testing.T) {
	base, a := startApp(t, models.Postgres, "SUBMIT_MIN_SECONDS", "0", "SUBMIT_RATE_LIMIT", "0")
	ctx := newBrowser(t)
	w := watchForXSS(t, ctx)
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "admin@stellapop.example", "Ada Admin", models.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}

	must(t, "open the diagnostic", chromedp.Do(ctx, desktop.apply(),
		chromedp.Navigate(base+"/diagnostic"),
		chromedp.WaitVisible(chromedp.CSS("#diagnostic-form"))))
	for i, q := range a.def.Questions {
		must(t, "answer "+q.ID, chromedp.Do(ctx, chooseAnswer(q.ID, 1+i%5)))
		if (i+1)%3 == 0 {
			must(t, "press Next", chromedp.Do(ctx, chromedp.Click(nextButton)))
		}
	}
	// First with a payload as the email address: refused, and every payload shown back in its field.
	must(t, "submit with a payload as the email", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("name"), xssPayloads["name"]),
		chromedp.SendKeys(chromedp.ID("email"), xssPayloads["company"]),
		chromedp.SendKeys(chromedp.ID("company"), xssPayloads["company"]),
		chromedp.SendKeys(chromedp.ID("role"), xssPayloads["role"]),
		chromedp.Click(chromedp.CSS(`label[for="consent-summary"]`)),
		chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("error-summary"))))
	w.check(t, ctx, "the form shown again")
	for field, payload := range xssPayloads {
		if got := eval[string](t, ctx, `document.getElementById('`+field+`').value`); got != payload {
			t.Errorf("the form shown again has %s = %q, want %q", field, got, payload)
		}
	}

	must(t, "correct the email and submit", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("email"), "ada@example.com"),
		chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".chart svg"))))
	w.check(t, ctx, "the result page")
	// The first name is every word but the last, payload and all, shown as text.
	if got := text(t, ctx, ".result .kicker"); got != `Your result, <img src=x onerror="window.__pwned=1;alert('name')">` {
		t.Errorf("result kicker = %q", got)
	}

	must(t, "sign in", chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/leads"),
		signIn("admin@stellapop.example", password),
		chromedp.WaitVisible(chromedp.CSS(".admin-nav"))))
	w.check(t, ctx, "the inbox")
	if body := text(t, ctx, "main"); !strings.Contains(body, xssPayloads["name"]) {
		t.Errorf("the inbox does not show the name as text")
	}
	screenshot(t, ctx, "xss-inbox-desktop")

	must(t, "open the lead", chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//a[contains(normalize-space(), "Ada")]`)),
		chromedp.WaitVisible(chromedp.ID("status"))))
	w.check(t, ctx, "the lead page")
	if h1 := text(t, ctx, "h1"); h1 != xssPayloads["name"] {
		t.Errorf("lead page h1 = %q, want the name as text", h1)
	}
	facts := text(t, ctx, ".facts")
	for field, payload := range xssPayloads {
		if !strings.Contains(facts, payload) {
			t.Errorf("the lead page does not show the %s %q as text", field, payload)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('main img, main script, main svg:not(.chart svg)').length`); n != 0 {
		t.Errorf("the lead page holds %d elements a payload would make", n)
	}
	screenshot(t, ctx, "xss-lead-desktop")
	w.check(t, ctx, "the lead page, at the end")
}
