package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// stepCountsToday flushes the app's funnel counter until the steps counted
// today are want (metric → count) and stay so, and fails if they are not
// within a few seconds: a beacon reaches the server a moment after the
// click that sends it.
func stepCountsToday(t *testing.T, a *app, want map[string]int64) {
	t.Helper()
	ctx := context.Background()
	read := func() map[string]int64 {
		must(t, "flush the funnel counts", a.funnel.Flush(ctx))
		day := time.Now().UTC().Format(models.DayLayout)
		all, err := a.store.DailyTotals(ctx, day, day)
		must(t, "read the day's counts", err)
		steps := map[string]int64{}
		for m, n := range all {
			if strings.HasPrefix(m, "diagnostic_step:") {
				steps[m] = n
			}
		}
		return steps
	}
	same := func(got map[string]int64) bool {
		if len(got) != len(want) {
			return false
		}
		for m, n := range want {
			if got[m] != n {
				return false
			}
		}
		return true
	}
	var got map[string]int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = read(); same(got) {
			// Nothing more arrives late.
			time.Sleep(500 * time.Millisecond)
			if got = read(); same(got) {
				return
			}
			break
		}
	}
	t.Fatalf("steps counted today = %v, want %v", got, want)
}

// answerStep answers step's questions (from 1) and presses Next.
func answerStep(t *testing.T, ctx context.Context, a *app, step int) {
	t.Helper()
	qs := a.def.Questions[(step-1)*3 : min(step*3, len(a.def.Questions))]
	for _, q := range qs {
		must(t, "answer "+q.ID, chromedp.Do(ctx, chooseAnswer(q.ID, 3)))
	}
	must(t, fmt.Sprintf("press Next on step %d", step), chromedp.Do(ctx, chromedp.Click(nextButton)))
}

// TestStepDropOffFromTwoVisitors: one visitor stops at step 2, another
// finishes; the steps counted are exactly theirs, and the dashboard's
// "Where visitors stop" shows them.
func TestStepDropOffFromTwoVisitors(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			base, a := startApp(t, dialect)
			v := a.def.Version
			steps := (len(a.def.Questions)+2)/3 + 1
			if steps != 5 {
				t.Fatalf("the shipped diagnostic has %d steps; this test writes out 5", steps)
			}
			step := func(n int) string { return models.DiagnosticStepMetric(v, n) }

			// The first visitor reads step 1, goes on to step 2 and leaves.
			first := newBrowser(t)
			must(t, "open the diagnostic", chromedp.Do(first, phone.apply(),
				chromedp.Navigate(base+"/diagnostic"),
				chromedp.WaitVisible(chromedp.CSS("#diagnostic-form.js-steps"))))
			answerStep(t, first, a, 1)
			// Back to step 1 and on again: each step counts once per page view.
			must(t, "go back", chromedp.Do(first, chromedp.Click(backButton)))
			must(t, "go on again", chromedp.Do(first, chromedp.Click(nextButton)))
			stepCountsToday(t, a, map[string]int64{step(1): 1, step(2): 1})

			// The second visitor goes through every step and sends the form.
			second := newBrowser(t)
			must(t, "open the diagnostic", chromedp.Do(second, desktop.apply(),
				chromedp.Navigate(base+"/diagnostic"),
				chromedp.WaitVisible(chromedp.CSS("#diagnostic-form.js-steps"))))
			for n := 1; n < steps; n++ {
				answerStep(t, second, a, n)
			}
			must(t, "send the form", chromedp.Do(second,
				fillContact("Dorothy Vaughan"),
				chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".chart svg"))))
			stepCountsToday(t, a, map[string]int64{step(1): 2, step(2): 2, step(3): 1, step(4): 1, step(5): 1})

			// A consultant sees the drop-off on the dashboard.
			const password = "a long and memorable passphrase"
			_, err := a.store.CreateUser(context.Background(), "katherine@stellapop.example", "Katherine Johnson", models.RoleConsultant, password)
			must(t, "add a consultant", err)
			today := time.Now().UTC().Format(models.DayLayout)
			dashboard := base + "/admin?from=" + today + "&to=" + today + "&version=" + v + "#steps"
			must(t, "sign in", chromedp.Do(second,
				chromedp.Navigate(base+"/admin/login"),
				signIn("katherine@stellapop.example", password),
				chromedp.WaitVisible(chromedp.CSS(".admin-nav"))))
			want := strings.Join([]string{
				"Opened the diagnostic | 2 | 100.0% | –",
				"Step 1: questions 1–3 | 2 | 100.0% | none",
				"Step 2: questions 4–6 | 2 | 100.0% | none",
				"Step 3: questions 7–9 | 1 | 50.0% | 1 (50.0%)",
				"Step 4: questions 10–12 | 1 | 50.0% | none",
				"Step 5: contact details | 1 | 50.0% | none",
				"Sent every answer | 1 | 50.0% | none",
				"Became a lead | 1 | 50.0% | none",
			}, "\n")
			const readTable = `[...document.querySelectorAll('#steps-table tbody tr')].map(tr =>
				[...tr.children].map(c => c.textContent.trim()).join(' | ')).join('\n')`
			for _, vp := range []viewport{desktop, phone} {
				must(t, "open the dashboard on a "+vp.name, chromedp.Do(second, vp.apply(),
					chromedp.Navigate(dashboard),
					chromedp.WaitVisible(chromedp.ID("steps"))))
				if got := eval[string](t, second, readTable); got != want {
					t.Errorf("on a %s the steps table reads:\n%s\nwant:\n%s", vp.name, got, want)
				}
				for _, e := range eval[[]string](t, second, fmt.Sprintf(offScreenJS, "#steps *")) {
					t.Errorf("on a %s, off screen: %s", vp.name, e)
				}
				if dialect == models.Postgres {
					saveScreenshot(t, second, "dashboard-steps-"+vp.name, chromedp.Screenshot(chromedp.ID("steps")))
				}
				checkAccessible(t, second, "dashboard on a "+vp.name)
			}

			// A range that cannot be read is said on the page.
			must(t, "ask for a range back to front", chromedp.Do(second,
				chromedp.Navigate(base+"/admin?from=2026-11-30&to=2026-11-01#steps"),
				chromedp.WaitVisible(chromedp.ID("steps-problems"))))
			if got := text(t, second, "#steps .error-summary"); !strings.Contains(got, "The first day, 30 November 2026, is after the last, 1 November 2026.") {
				t.Errorf("problem = %q", got)
			}
			checkAccessible(t, second, "dashboard with a range it cannot show")
		})
	}
}
