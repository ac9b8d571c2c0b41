package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// TestTeamInvitedAndAnsweredOnAPhone: a prospect invites colleagues from
// the result page at phone width, fixes a mistyped address, and a
// colleague answers at the emailed link, with JavaScript's steps and the
// progress bar; every page passes axe-core.
func TestTeamInvitedAndAnsweredOnAPhone(t *testing.T) {
	smtp := mailtest.NewServer(t)
	base, a := startApp(t, models.SQLite, "SMTP_URL", smtp.URL())
	result := submit(t, base, "Katherine Johnson", "katherine@example.com")
	ctx := newBrowser(t)

	must(t, "open the result", chromedp.Do(ctx, phone.apply(),
		chromedp.Navigate(base+result+"#team"), chromedp.WaitVisible(chromedp.ID("invite-emails"))))
	checkAccessible(t, ctx, "result with the team section")
	must(t, "send a list with a mistake", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("invite-emails"), "dorothy@nasa.example\nmary@nasa\nchristine@nasa.example"),
		chromedp.Click(chromedp.CSS(`label[for="invite-confirm"]`)),
		chromedp.Click(chromedp.CSS(`.invite-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("invite-errors"))))
	if got := text(t, ctx, "#invite-errors"); !strings.Contains(got, `"mary@nasa" is not an email address`) {
		t.Errorf("errors = %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('invite-emails').value`); got != "dorothy@nasa.example\nchristine@nasa.example" {
		t.Errorf("kept %q, want the two valid addresses", got)
	}
	screenshot(t, ctx, "team-invite-errors-phone")
	checkAccessible(t, ctx, "invitation list with problems")
	must(t, "send the corrected list", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("invite-emails"), "dorothy@nasa.example\nchristine@nasa.example\nmary@nasa.example"),
		chromedp.Click(chromedp.CSS(`.invite-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#team .notice`))))
	if got := text(t, ctx, "#team .notice"); got != "Invitations sent to 3 colleagues." {
		t.Errorf("notice = %q", got)
	}
	screenshot(t, ctx, "team-invited-phone")
	checkAccessible(t, ctx, "result after inviting")

	msgs := smtp.WaitForMessages(t, 5, 20*time.Second) // the summary, the team notice, 3 invitations
	var link string
	var invitation mailtest.Message
	var others []string
	for _, m := range msgs {
		msg, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(msg.Body)
		if l := regexp.MustCompile(`/team/[A-Za-z0-9_-]{20,}`).Find(body); l != nil && strings.Contains(msg.Header.Get("Subject"), "Katherine at Acme") {
			if link != "" {
				others = append(others, link)
			}
			link, invitation = string(l), m
		}
	}
	if link == "" || len(others) != 2 {
		t.Fatalf("%d invitation links arrived, want 3", len(others)+1)
	}

	// The invitation as the colleague reads it on a phone.
	parsed, err := invitation.Parse()
	if err != nil {
		t.Fatal(err)
	}
	_, htmlPart := emailParts(t, "invitation", parsed)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, htmlPart)
	}))
	t.Cleanup(srv.Close)
	must(t, "read the invitation", chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("a"))))
	if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
		t.Errorf("the invitation is %d px wider than a phone", overflow)
	}
	screenshot(t, ctx, "email-team-invite-phone")

	must(t, "open the invitation", chromedp.Do(ctx,
		chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.CSS("#diagnostic-form .step.is-current"))))
	if eval[bool](t, ctx, `!!document.getElementById('email')`) {
		t.Error("the colleague's form asks for an email address")
	}
	screenshot(t, ctx, "team-answer-step1-phone")
	checkAccessible(t, ctx, "colleague's form")
	steps := eval[int](t, ctx, `document.querySelectorAll('#diagnostic-form .step').length`)
	for i, q := range a.def.Questions {
		must(t, "answer "+q.ID, chromedp.Do(ctx, chooseAnswer(q.ID, 1+i%4)))
		if (i+1)%3 == 0 && (i+1)/3 < steps {
			must(t, "press Next", chromedp.Do(ctx, chromedp.Click(nextButton)))
		}
	}
	if got := eval[int](t, ctx, `document.querySelector('progress').value`); got != steps {
		t.Errorf("progress at the last step = %d, want %d", got, steps)
	}
	must(t, "send the answers", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`))))
	// The form's own h1 stays visible until the answer's page replaces it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// Errors while the page is being replaced are expected: ask again.
		thanked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('h1')?.textContent.startsWith('Thank you') === true`))
		if err == nil && thanked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the thank-you page never came (%v)", err)
		}
	}
	if got := text(t, ctx, "h1"); got != "Thank you: your answers are in" {
		t.Errorf("after answering: %q", got)
	}
	must(t, "open the team view", chromedp.Do(ctx,
		chromedp.Navigate(base+result+"/team"), chromedp.WaitVisible(chromedp.CSS("h1"))))
	if got := text(t, ctx, ".lede"); got != "1 of 3 answers so far." {
		t.Errorf("team view = %q", got)
	}
	screenshot(t, ctx, "team-locked-phone")
	checkAccessible(t, ctx, "locked team view")

	// Two more colleagues answer; the team view opens.
	for i, l := range others {
		client := formClient()
		_, csrf := openForm(t, client, base+l)
		form := url.Values{"_csrf": {csrf}}
		diagnostictest.Fill(form, a.def, []diagnostictest.Pick{diagnostictest.Best, diagnostictest.Worst}[i])
		res, err := client.PostForm(base+l, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer = %d", res.StatusCode)
		}
	}
	must(t, "open the unlocked team view", chromedp.Do(ctx,
		chromedp.Navigate(base+result+"/team"), chromedp.WaitVisible(chromedp.CSS(".team-table"))))
	screenshot(t, ctx, "team-report-phone")
	checkAccessible(t, ctx, "team view")
	if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
		t.Errorf("the team view is %d px wider than a phone", overflow)
	}

	// A consultant on a phone finds the lead by its team badge and reads
	// the team view on the lead page.
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleConsultant, password); err != nil {
		t.Fatal(err)
	}
	must(t, "sign in and filter the inbox", chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin"), signIn("dana@stellapop.example", password), chromedp.WaitVisible(chromedp.CSS(".admin-nav")),
		chromedp.Navigate(base+"/admin/leads?team=unlocked"), chromedp.WaitVisible(chromedp.CSS(".badge-team"))))
	if got := text(t, ctx, ".badge-team [aria-hidden]"); got != "Team 3/3" {
		t.Errorf("team badge = %q, want Team 3/3", got)
	}
	screenshot(t, ctx, "team-inbox-phone")
	checkAccessible(t, ctx, "inbox filtered on unlocked team views")
	must(t, "open the lead", chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//a[normalize-space()="Katherine Johnson"]`)), chromedp.WaitVisible(chromedp.CSS("#team .team-table"))))
	must(t, "scroll to the team view", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("team"))))
	screenshot(t, ctx, "team-lead-page-phone")
	checkAccessible(t, ctx, "lead page with the team view")
	if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
		t.Errorf("the lead page with the team view is %d px wider than a phone", overflow)
	}
}
