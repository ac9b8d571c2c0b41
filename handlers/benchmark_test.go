package handlers_test

import (
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/peer/peertest"
	"github.com/stellapop/intake/report/pdftest"
)

// The result page and its PDF compare the visitor's result with the other
// results of its version once a hundred stand behind the comparison, and
// within the team's bracket once that bracket alone has a hundred; below
// that they say nothing of it.
func TestResultShowsThePeerBenchmark(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			s := newSiteWith(t, store, func(d *handlers.Deps) { d.Peers = peer.New(store, 100) })
			peertest.Seed(t, store, s.def, nil, peertest.Range(0, 99)...) // 0 … 98
			// Every answer "Sometimes": 50 on every dimension and the index;
			// a team of 14, in the bracket 11–25.
			loc := s.post("/diagnostic", s.validForm(diagnostictest.Value(3))).header.Get("Location")

			page, pdf := s.get(loc).body, pdftest.Text(t, []byte(s.get(loc+"/report.pdf").body))
			for what, body := range map[string]string{"page": page, "PDF": pdf} {
				if strings.Contains(body, "Compared with other managers") || strings.Contains(body, "higher than") {
					t.Errorf("99 others: the %s shows a benchmark", what)
				}
			}

			// 100 others scoring 0 … 99: 50 of them lower than 50.
			peertest.Seed(t, store, s.def, nil, 99)
			want := "Your manager scores higher than 50% of managers rated here."
			page = s.get(loc).body
			for _, w := range []string{
				`<h2 id="peer-title">Compared with other managers</h2>`,
				"<strong>" + want + "</strong>",
				"<li><span>" + s.def.Dimensions[0].Name + "</span> <strong>50%</strong></li>",
				"the anonymous results of 100 other managers rated here",
			} {
				if !strings.Contains(page, w) {
					t.Errorf("100 others: the page lacks %s", w)
				}
			}
			raw := s.get(loc + "/report.pdf").body
			pdftest.KeepPNG(t, []byte(raw), pngName(t))
			pdf = strings.Join(strings.Fields(pdftest.Text(t, []byte(raw))), " ")
			if !strings.Contains(pdf, want) || !strings.Contains(pdf, s.def.Dimensions[0].Name+" 50%") {
				t.Errorf("100 others: the PDF lacks %q:\n%s", want, pdf)
			}
			if n := pdftest.Pages(t, []byte(raw)); n > 2 {
				t.Errorf("the PDF has %d pages with the benchmark, want at most 2", n)
			}

			// 100 teams of 11–25 too, 99 scoring 10 and one 60: the bracket alone.
			twelve := 12
			peertest.Seed(t, store, s.def, &twelve, append(repeatScore(10, 99), 60)...)
			page = s.get(loc).body
			if w := "<strong>Your manager scores higher than 99% of managers of teams of 11–25 rated here.</strong>"; !strings.Contains(page, w) {
				t.Errorf("100 in the bracket: the page lacks %s", w)
			}
		})
	}
}

func repeatScore(score, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = score
	}
	return s
}
