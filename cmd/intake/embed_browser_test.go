package main

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// startParentSite serves the firm's other site on localhost, another
// origin and another site than the app's 127.0.0.1: /page embeds the
// diagnostic with the snippet docs/embedding.md gives, /framed?path=P
// tries to frame the app's page P directly.
func startParentSite(t *testing.T) (origin string, serve func(appBase string)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	origin = "http://localhost:" + port
	return origin, func(appBase string) {
		mux := http.NewServeMux()
		mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, parentPage, `<script src="`+html.EscapeString(appBase)+`/static/embed.js" async></script>
<div data-intake-diagnostic></div>`)
		})
		mux.HandleFunc("/framed", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, parentPage, `<iframe id="direct" title="Intake page" style="width:100%;height:400px" src="`+
				html.EscapeString(appBase+r.URL.Query().Get("path"))+`"></iframe>`)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
}

const parentPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Another site</title>
<style>body{margin:0;font:16px/1.5 Georgia,serif;background:#fff;color:#222}
header{background:#3b3355;color:#fff;padding:1rem 1.25rem}main{max-width:50rem;margin:0 auto;padding:1rem 1.25rem}</style>
</head><body><header>Another site of the firm</header><main><h1>Our leadership programme</h1>
<p>How does your manager lead? Find out in five minutes.</p>
%s
</main></body></html>`

// frameTarget waits for the cross-site frame whose address starts with
// prefix and returns a context driving it. Chromium runs a frame from
// another site in its own process, as a target of its own.
func frameTarget(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		must(t, "list targets", err)
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				// The frame has a page of its own to emulate the visitor's
				// settings on (the parent's do not reach it).
				must(t, "reduce motion in the frame", chromedp.Do(fctx, reduceMotion))
				return fctx
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no frame at %s", prefix)
	return nil
}

// completeInFrame answers every step as a visitor does, tapping an
// option per question and Next, then fills in the contact step and sends.
// The clicks are the elements' own (a frame's target takes no mouse input
// of its own), so the form's script sees them as a visitor's.
const completeInFrame = `(async () => {
  const form = document.getElementById('diagnostic-form');
  const steps = [...form.querySelectorAll('.step')];
  const tick = () => new Promise(r => requestAnimationFrame(() => r()));
  for (const [i, step] of steps.entries()) {
    if (!step.classList.contains('is-current')) throw new Error('step ' + (i + 1) + ' is not showing');
    step.querySelectorAll('.question').forEach((q, n) => {
      const options = q.querySelectorAll('input[type=radio]');
      options[(i + n) % options.length].click();
    });
    if (i === steps.length - 1) break;
    [...step.querySelectorAll('button')].find(b => b.textContent.trim() === 'Next').click();
    await tick();
  }
  const set = (id, v) => { const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); };
  set('name', 'Mary Jackson'); set('email', 'mary@example.com'); set('company', 'Langley & Co');
  set('role', 'Head of Engineering'); set('team_size', '9');
  document.getElementById('consent-summary').click();
  form.querySelector('.form-actions [type=submit]').click();
  return true;
})()`

func TestDiagnosticEmbeddedOnAnotherSite(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		vp := phone
		if dialect == models.Postgres {
			vp = desktop
		}
		t.Run(dialect+"/"+vp.name, func(t *testing.T) {
			parent, serveParent := startParentSite(t)
			base, a := startApp(t, dialect, "EMBED_ORIGINS", parent)
			serveParent(base)
			ctx := newBrowser(t)
			// Third-party cookies blocked, as more and more browsers do.
			blockThirdPartyCookies := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true})
				return err
			})
			must(t, "open the other site", chromedp.Do(ctx, vp.apply(), blockThirdPartyCookies,
				chromedp.Navigate(parent+"/page?utm_source=partner-site&utm_campaign=spring&email=someone%40example.com"),
				chromedp.WaitVisible(chromedp.CSS("iframe.intake-diagnostic"))))
			frame := frameTarget(t, ctx, base+"/embed/diagnostic?")
			_, err := chromedp.Run(frame, chromedp.Poll[bool](`document.querySelector('#diagnostic-form.js-steps') !== null`))
			must(t, "the framed form's script starts", err)
			// The frame sizes itself to its content.
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const f = document.querySelector('iframe.intake-diagnostic'); return f && f.style.height.endsWith('px') })()`))
			must(t, "the frame is sized to its content", err)
			checkFrameFits(t, ctx, frame, "the form")
			if got := eval[bool](t, frame, `document.querySelector('.site-header') === null`); !got {
				t.Error("the framed form shows the site's header")
			}
			// What the visitor sees: Chromium paints a frame from another
			// site only where it is on screen, so a full-page shot would
			// show it cut off.
			saveScreenshot(t, ctx, "embed-diagnostic-"+vp.name, chromedp.CaptureScreenshot())
			checkAccessible(t, frame, "embedded diagnostic")

			_, err = chromedp.Run(frame, chromedp.Evaluate[bool](completeInFrame, chromedp.EvalAwaitPromise))
			must(t, "complete the diagnostic in the frame", err)
			// The frame's target lives on; its page is a new document, reached
			// afresh.
			frame = frameTarget(t, ctx, base+"/embed/results/")
			_, err = chromedp.Run(frame, chromedp.Poll[bool](`document.querySelector('.chart svg') !== null`))
			must(t, "the result shows in the frame", err)
			// Let the frame tell its new height.
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('iframe.intake-diagnostic').getBoundingClientRect().height > 700`))
			must(t, "the frame grows to the result", err)
			checkFrameFits(t, ctx, frame, "the result")
			// The visitor sent the form from the frame's foot: the page
			// brings the result's top into view.
			if top := eval[float64](t, ctx, `document.querySelector('iframe.intake-diagnostic').getBoundingClientRect().top`); top < -1 || top > float64(vp.height)/2 {
				t.Errorf("the result's frame starts %.0f px from the top of the screen", top)
			}
			// Give the frame's own process time to paint what scrolled in.
			must(t, "let the frame paint", chromedp.Do(ctx, chromedp.Sleep(700*time.Millisecond)))
			saveScreenshot(t, ctx, "embed-result-"+vp.name, chromedp.CaptureScreenshot())
			checkAccessible(t, frame, "embedded result")

			full := eval[string](t, frame, `(() => { const a = document.querySelector('.embed-full a'); return a && a.target === '_blank' ? a.href : '' })()`)
			token := strings.TrimPrefix(eval[string](t, frame, `location.pathname`), "/embed/results/")
			if full != base+"/results/"+token {
				t.Errorf("the link to the full result = %q, want %s/results/%s in a new tab", full, base, token)
			}
			lead, err := a.store.LeadByToken(context.Background(), token)
			must(t, "find the lead", err)
			want := models.Source{LandingPage: "/embed/diagnostic", Referrer: parent + "/page", UTMSource: "partner-site", UTMCampaign: "spring"}
			if lead.Source != want || lead.Name != "Mary Jackson" {
				t.Errorf("lead %q with source %+v, want the other site's page %+v", lead.Name, lead.Source, want)
			}

			// The frame's page is the app's own, so its beacons of the steps
			// reached are same-origin and counted, one per step.
			steps := map[string]int64{}
			for n := 1; n <= (len(a.def.Questions)+2)/3+1; n++ {
				steps[models.DiagnosticStepMetric(a.def.Version, n)] = 1
			}
			stepCountsToday(t, a, steps)

			// No cookie was needed, and none was kept for the app's site.
			if c := eval[string](t, frame, `document.cookie`); c != "" {
				t.Errorf("the frame has cookies: %q", c)
			}
			cookies, err := chromedp.Run(ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
				r, err := cdp.Call(ctx, tg, storage.GetCookies, storage.GetCookiesParams{})
				return r.Cookies, err
			}))
			must(t, "read the browser's cookies", err)
			for _, c := range cookies {
				if c.Domain == "127.0.0.1" {
					t.Errorf("the browser holds a cookie of the app: %s", c.Name)
				}
			}

			// The site's own pages refuse to be framed by the same page.
			for _, path := range []string{"/admin/login", "/", "/diagnostic"} {
				checkRefusesFrame(t, ctx, parent, base, path)
			}
		})
	}
}

// checkFrameFits: the frame is as tall as the page in it, give or take a
// pixel, so the visitor never scrolls inside it.
func checkFrameFits(t *testing.T, ctx, frame context.Context, what string) {
	t.Helper()
	var outer, inner float64
	for range 40 {
		outer = eval[float64](t, ctx, `document.querySelector('iframe.intake-diagnostic').getBoundingClientRect().height`)
		inner = eval[float64](t, frame, `document.documentElement.getBoundingClientRect().height`)
		if outer-inner < 2 && inner-outer < 2 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: frame %.0f px tall for a page of %.0f px", what, outer, inner)
}

// checkRefusesFrame opens a page of the other site framing the app's path
// directly and checks that the browser refused to show our page in it.
func checkRefusesFrame(t *testing.T, ctx context.Context, parent, base, path string) {
	t.Helper()
	must(t, "open a page framing "+path, chromedp.Do(ctx,
		chromedp.Navigate(parent+"/framed?path="+path),
		chromedp.WaitVisible(chromedp.ID("direct"))))
	fctx := frameTarget(t, ctx, base+path)
	var shown string
	for range 20 {
		v, err := chromedp.Run(fctx, chromedp.Evaluate[string](`location.href + ' | ' + document.title + ' | ' + document.querySelectorAll('.site-header, #password, #main').length`))
		if err == nil {
			shown = v
			if strings.HasPrefix(v, "chrome-error:") {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("framing %s shows: %s", path, shown)
	if !strings.HasPrefix(shown, "chrome-error:") || !strings.HasSuffix(shown, "| 0") {
		t.Errorf("framing %s: the frame shows %q, not the browser's refusal", path, shown)
	}
}
