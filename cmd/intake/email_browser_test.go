package main

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer/peertest"
)

// TestEmailsAsPeopleSeeThem opens the HTML part of both emails, as they
// arrive at a real SMTP server, in the browser at phone and desktop widths:
// each fits the screen, shows a bar per dimension as long as its score,
// and is saved as a screenshot to look at.
func TestEmailsAsPeopleSeeThem(t *testing.T) {
	smtp := mailtest.NewServer(t)
	// Five earlier results, enough here for the peer benchmark.
	base, a := startApp(t, models.Postgres, "SMTP_URL", smtp.URL(), "BENCHMARK_MIN_LEADS", "5")
	peertest.Seed(t, a.store, a.def, nil, 10, 30, 50, 70, 90)
	submit(t, base, "Mary Jackson", "mary@example.com")
	msgs := smtp.WaitForMessages(t, 2, 15*time.Second)

	pages := map[string]string{}
	for _, m := range msgs {
		msg, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		name := "team"
		if strings.Join(m.To, ",") == "mary@example.com" {
			name = "prospect"
		}
		_, htmlPart := emailParts(t, name, msg)
		pages[name] = htmlPart
		if peer := strings.Contains(htmlPart, "Compared with other managers"); peer != (name == "prospect") {
			t.Errorf("%s email: shows the peer benchmark: %v, want %v", name, peer, name == "prospect")
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pages[strings.TrimPrefix(r.URL.Path, "/")])
	}))
	t.Cleanup(srv.Close)

	ctx := newBrowser(t)
	type bar struct {
		Score int
		Share float64 // the filled part's share of the bar's width
	}
	for _, name := range []string{"prospect", "team"} {
		for _, vp := range []viewport{phone, desktop} {
			must(t, "open the "+name+" email", chromedp.Do(ctx, vp.apply(),
				chromedp.Navigate(srv.URL+"/"+name), chromedp.WaitVisible(chromedp.CSS("table.score-bar"))))
			if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
				t.Errorf("%s email on a %s: %d px wider than the screen", name, vp.name, overflow)
			}
			bars := eval[[]bar](t, ctx, `[...document.querySelectorAll('table.score-bar')].map(t => {
				const fill = t.querySelector('.score-fill');
				return {Score: Number(t.dataset.score),
					Share: fill ? fill.getBoundingClientRect().width / t.getBoundingClientRect().width : 0};
			})`)
			if len(bars) != 5 {
				t.Errorf("%s email on a %s: %d bars, want one per dimension (5)", name, vp.name, len(bars))
			}
			for _, b := range bars {
				if math.Abs(b.Share-float64(b.Score)/100) > 0.03 {
					t.Errorf("%s email on a %s: the bar of a %d fills %.0f%% of its width", name, vp.name, b.Score, 100*b.Share)
				}
			}
			screenshot(t, ctx, "email-"+name+"-"+vp.name)
		}
	}
}
