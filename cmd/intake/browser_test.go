package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/peer/peertest"
)

// Browser tests drive Debian's Chromium through the pages as a visitor
// would. `make test` installs Chromium and axe-core and sets
// INTAKE_BROWSER_TESTS=required, so there a missing browser fails the run;
// a bare `go test` without Chromium skips them.

// startApp runs the whole portal on a free port of 127.0.0.1 until the
// test ends, with settings kv (name, value, …) over the test defaults.
func startApp(t *testing.T, dialect string, kv ...string) (baseURL string, a *app) {
	t.Helper()
	return startAppLogging(t, dialect, io.Discard, kv...)
}

// startAppLogging is startApp writing its logs to logs, formatted,
// filtered and buffered by the LOG_ settings as in production: a line may
// reach logs up to LOG_FLUSH_INTERVAL late, and every line has when the
// test's cleanup has stopped the app.
func startAppLogging(t *testing.T, dialect string, logs io.Writer, kv ...string) (baseURL string, a *app) {
	t.Helper()
	return startAppConfigured(t, dialect, logs, nil, kv...)
}

// startAppConfigured is startAppLogging with adjust, when not nil, given
// the configuration before the app is made from it.
func startAppConfigured(t *testing.T, dialect string, logs io.Writer, adjust func(*Config), kv ...string) (baseURL string, a *app) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"INTAKE_ADDR":     ln.Addr().String(),
		"INTAKE_DATA_DIR": t.TempDir(),
		"BOOKING_URL":     "https://stellapop.example/book",
		// Tests post forms at machine speed, many from one address; the
		// bot defences have tests of their own that turn them back on.
		"SUBMIT_MIN_SECONDS": "0",
		"SUBMIT_RATE_LIMIT":  "0",
	}
	if dialect == models.Postgres {
		env["DATABASE_URL"] = modelstest.DatabaseURL(t)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.mailRetryBase = 50 * time.Millisecond
	cfg.webhookRetryBase = 50 * time.Millisecond
	if adjust != nil {
		adjust(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log, closeLog := newLogger(cfg, logs)
	a, err = newApp(ctx, cfg, log)
	if err != nil {
		closeLog()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
		closeLog()
	})
	return cfg.BaseURL.String(), a
}

// chromiumPath finds the browser or skips (fails under `make test`).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INTAKE_BROWSER_TESTS") == "required" {
		t.Fatal("chromium is not installed; `make test` installs it")
	}
	t.Skip("chromium is not installed; `make test` installs it and runs these tests")
	return ""
}

// newBrowser starts a headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, reduceMotion); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// reduceMotion makes scrolling instant, so a click never lands on a page
// that is still gliding to the next step.
var reduceMotion = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	})
	return err
})

// viewport sizes a person sees the site at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	phone   = viewport{"phone", 390, 844, true}
	desktop = viewport{"desktop", 1280, 900, false}
)

func (v viewport) apply() chromedp.Action[chromedp.Void] {
	if v.mobile {
		return chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(v.width, v.height)
}

// screenshot saves a full-page PNG under SCREENSHOT_DIR (default
// .cache/screenshots) for people to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, ctx, name, chromedp.FullScreenshot(100))
}

// saveScreenshot saves the PNG shot takes under SCREENSHOT_DIR.
func saveScreenshot(t *testing.T, ctx context.Context, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), ".cache", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test")
		}
		dir = parent
	}
}

// axeViolations runs axe-core on the current page and lists what it finds.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		path = filepath.Join(repoRoot(t), ".cache", "npm", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("INTAKE_BROWSER_TESTS") == "required" {
			t.Fatalf("axe-core is missing (%v); `make test` installs it", err)
		}
		t.Skipf("axe-core is missing (%v); `make test` installs it", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	const run = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>
		v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return found
}

func checkAccessible(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx) {
		t.Errorf("%s: accessibility violation: %s", page, v)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// signIn fills in and sends the sign-in form the browser is on, as a
// person would.
func signIn(email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`.login-form button[type="submit"]`)),
	)
}

// chooseAnswer clicks the option label of a question, as a visitor taps it.
func chooseAnswer(qid string, value int) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(fmt.Sprintf(`#q-%s input[value="%d"] + span`, qid, value)))
}

func fillContact(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("email"), "grace@example.com"),
		chromedp.SendKeys(chromedp.ID("company"), "Hopper & Co"),
		chromedp.SendKeys(chromedp.ID("role"), "Engineering lead"),
		chromedp.SendKeys(chromedp.ID("team_size"), "8"),
		chromedp.Click(chromedp.CSS(`label[for="consent-summary"]`)),
	)
}

func TestVisitorTakesTheDiagnosticWithJavaScript(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		for _, vp := range []viewport{phone, desktop} {
			t.Run(dialect+"/"+vp.name, func(t *testing.T) {
				// Five earlier results, enough here for the peer benchmark.
				base, a := startApp(t, dialect, "BENCHMARK_MIN_LEADS", "5")
				peertest.Seed(t, a.store, a.def, nil, 10, 30, 50, 70, 90)
				ctx := newBrowser(t)
				shots := vp.name == "phone" && dialect == models.SQLite || vp.name == "desktop" && dialect == models.Postgres
				must(t, "open the article", chromedp.Do(ctx, vp.apply(),
					chromedp.Navigate(base+"/articles/leadership-vs-management?utm_source=browser-test&utm_campaign=e2e"),
					chromedp.WaitVisible(chromedp.CSS("h1"))))
				if got := text(t, ctx, "h1"); got != "Leadership vs. Management: What’s the Difference?" {
					t.Errorf("article h1 = %q", got)
				}
				if shots {
					screenshot(t, ctx, "article-"+vp.name)
				}
				checkAccessible(t, ctx, "article")

				// The first call to action sits after "So are all managers leaders?".
				must(t, "follow the call to action", chromedp.Do(ctx,
					chromedp.Click(chromedp.CSS(".cta a.button")),
					chromedp.WaitVisible(chromedp.CSS("#diagnostic-form"))))

				def := a.def
				steps := eval[int](t, ctx, `document.querySelectorAll('#diagnostic-form .step').length`)
				if steps != (len(def.Questions)+2)/3+1 {
					t.Fatalf("%d steps, want %d", steps, (len(def.Questions)+2)/3+1)
				}
				progress := func() int { return eval[int](t, ctx, `document.querySelector('progress').value`) }
				if !eval[bool](t, ctx, `!document.querySelector('[data-progress]').hidden`) || progress() != 1 {
					t.Fatalf("the progress bar is not shown at step 1")
				}
				if shots {
					screenshot(t, ctx, "diagnostic-step1-"+vp.name)
				}
				checkAccessible(t, ctx, "diagnostic")

				// Next without answering stays on the step and says why.
				must(t, "press Next unanswered", chromedp.Do(ctx, chromedp.Click(nextButton)))
				if progress() != 1 || !strings.Contains(text(t, ctx, ".step.is-current .field-error"), "Choose") {
					t.Errorf("an unanswered step moved on or gave no message")
				}

				for i, q := range def.Questions {
					must(t, "answer "+q.ID, chromedp.Do(ctx, chooseAnswer(q.ID, 2+i%3)))
					if (i+1)%3 == 0 {
						before := progress()
						must(t, "press Next", chromedp.Do(ctx, chromedp.Click(nextButton)))
						if progress() != before+1 {
							t.Errorf("after question %d progress = %d, want %d", i+1, progress(), before+1)
						}
						if i == 2 {
							must(t, "go back and forth", chromedp.Do(ctx, chromedp.Click(backButton)))
							if progress() != 1 {
								t.Errorf("Back went to step %d, want 1", progress())
							}
							must(t, "press Next again", chromedp.Do(ctx, chromedp.Click(nextButton)))
						}
					}
				}
				if progress() != steps {
					t.Fatalf("at the contact step progress = %d, want %d", progress(), steps)
				}
				// Submitting with no contact details comes back with messages and the answers kept.
				must(t, "submit empty contact details", chromedp.Do(ctx,
					chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
					chromedp.WaitVisible(chromedp.ID("error-summary"))))
				if !strings.Contains(text(t, ctx, "#error-summary"), "Enter your name.") {
					t.Errorf("error summary = %q", text(t, ctx, "#error-summary"))
				}
				if !eval[bool](t, ctx, `document.querySelector('#q-`+def.Questions[0].ID+` input[value="2"]').checked`) {
					t.Errorf("answers were lost on the error page")
				}
				if shots {
					screenshot(t, ctx, "diagnostic-errors-"+vp.name)
				}
				checkAccessible(t, ctx, "diagnostic with errors")

				must(t, "fill in contact details and submit", chromedp.Do(ctx,
					fillContact(`Grace "Amazing" <Hopper>`),
					chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
					chromedp.WaitVisible(chromedp.CSS(".chart svg"))))
				loc, _ := chromedp.Run(ctx, chromedp.Location())
				if !strings.Contains(loc, "/results/") {
					t.Fatalf("landed on %s, want a result page", loc)
				}
				// Every word but the last is the first name, quotes and all.
				if got := text(t, ctx, ".result .kicker"); got != `Your result, Grace "Amazing"` {
					t.Errorf("kicker = %q", got)
				}
				if n := eval[int](t, ctx, `document.querySelectorAll('.chart rect.chart-bar').length`); n != len(def.Dimensions) {
					t.Errorf("%d bars, want %d", n, len(def.Dimensions))
				}
				if got := text(t, ctx, ".peer-overall"); !strings.HasPrefix(got, "Your manager scores higher than ") {
					t.Errorf("peer benchmark = %q", got)
				}
				if n := eval[int](t, ctx, `document.querySelectorAll('.peer-list li').length`); n != len(def.Dimensions) {
					t.Errorf("%d dimensions compared, want %d", n, len(def.Dimensions))
				}
				if shots {
					screenshot(t, ctx, "result-"+vp.name)
				}
				checkAccessible(t, ctx, "result")

				token := loc[strings.LastIndex(loc, "/")+1:]
				lead, err := a.store.LeadByToken(context.Background(), token)
				if err != nil {
					t.Fatal(err)
				}
				if lead.Source.UTMSource != "browser-test" || lead.Source.UTMCampaign != "e2e" || lead.Source.LandingPage != "/articles/leadership-vs-management" {
					t.Errorf("source = %+v", lead.Source)
				}
				if lead.Name != `Grace "Amazing" <Hopper>` || lead.Answers[0].Value != 2 {
					t.Errorf("lead = %q, first answer %d", lead.Name, lead.Answers[0].Value)
				}
			})
		}
	}
}

var (
	nextButton = chromedp.Search(`//section[contains(@class,"is-current")]//button[normalize-space()="Next"]`)
	backButton = chromedp.Search(`//section[contains(@class,"is-current")]//button[normalize-space()="Back"]`)
)

func TestVisitorTakesTheDiagnosticWithoutJavaScript(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			base, a := startApp(t, dialect)
			ctx := newBrowser(t)
			noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
				return err
			})
			must(t, "open the diagnostic", chromedp.Do(ctx, phone.apply(), noScript,
				chromedp.Navigate(base+"/diagnostic?utm_source=no-js"),
				chromedp.WaitVisible(chromedp.CSS("#diagnostic-form"))))
			class, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("diagnostic-form"), "class"))
			must(t, "read the form's class", err)
			if strings.Contains(class.Value, "js-steps") {
				t.Errorf("the script ran although JavaScript is off")
			}
			hidden, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("[data-progress]"), "hidden"))
			must(t, "read the progress bar", err)
			if !hidden.Exists {
				t.Errorf("the progress bar shows without the script that drives it")
			}
			def := a.def
			// Every question is on the one page; no progress bar without the script.
			for i, q := range def.Questions {
				must(t, "answer "+q.ID, chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#q-"+q.ID)), chooseAnswer(q.ID, 1+i%5)))
			}
			if dialect == models.Postgres {
				screenshot(t, ctx, "diagnostic-nojs-phone")
			}
			must(t, "submit", chromedp.Do(ctx,
				fillContact("Katherine Johnson"),
				chromedp.Click(chromedp.CSS(`#diagnostic-form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".chart svg"))))
			if dialect == models.Postgres {
				screenshot(t, ctx, "result-nojs-phone")
			}
			n, err := a.store.CountLeads(context.Background())
			if err != nil || n != 1 {
				t.Fatalf("%d leads (%v), want 1", n, err)
			}
		})
	}
}
