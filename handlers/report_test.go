package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/report/pdftest"
)

// The result PDF opens with the result page's token, as privately as the
// page: never cached, never indexed; it shows the band, the index and the
// person's name, on at most two pages.
func TestResultPDF(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Varied)
		form.Set("name", "Zoë Ångström-Núñez")
		loc := s.post("/diagnostic", form).header.Get("Location")
		page := s.get(loc)
		if !strings.Contains(page.body, `href="`+loc+`/report.pdf"`) {
			t.Errorf("the result page does not link %s/report.pdf", loc)
		}
		r := s.get(loc + "/report.pdf")
		if r.status != http.StatusOK {
			t.Fatalf("GET %s/report.pdf = %d", loc, r.status)
		}
		for header, want := range map[string]string{
			"Content-Type": "application/pdf", "Cache-Control": "no-store", "X-Robots-Tag": "noindex",
		} {
			if got := r.header.Get(header); got != want {
				t.Errorf("%s = %q, want %q", header, got, want)
			}
		}
		pdf := []byte(r.body)
		pdftest.KeepPNG(t, pdf, pngName(t))
		res, _ := s.def.Score(diagnostictest.Answers(s.def, diagnostictest.Varied))
		text := pdftest.Text(t, pdf)
		for _, want := range []string{res.Band.Title, fmt.Sprint(res.Index), "Zoë Ångström-Núñez"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q:\n%s", want, text)
			}
		}
		if n := pdftest.Pages(t, pdf); n > 2 {
			t.Errorf("the result PDF has %d pages, want at most 2", n)
		}
		if len(pdf) >= 200*1000 {
			t.Errorf("the result PDF weighs %d bytes, want under 200 KB", len(pdf))
		}
		if r := s.get("/results/not-a-token/report.pdf"); r.status != http.StatusNotFound {
			t.Errorf("an unknown token's PDF = %d, want 404", r.status)
		}
	})
}

// A name in a script the PDF's font lacks is left out, not printed as
// empty boxes.
func TestResultPDFLeavesOutAChineseName(t *testing.T) {
	s := newSite(t, models.SQLite)
	form := s.validForm(diagnostictest.Varied)
	form.Set("name", "王秀英")
	r := s.get(s.post("/diagnostic", form).header.Get("Location") + "/report.pdf")
	if r.status != http.StatusOK {
		t.Fatalf("GET the PDF = %d", r.status)
	}
	text := pdftest.Text(t, []byte(r.body))
	if strings.ContainsAny(text, "王秀英\uFFFD") || !strings.Contains(text, "Your result\n") {
		t.Errorf("the PDF should greet no one and print no Chinese:\n%s", text)
	}
}

// The brief, for consultants and admins: the contact, the weakest
// dimensions' answers, the notes; opening it is recorded in the history.
func TestLeadBrief(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		u := s.signIn(models.RoleConsultant)
		if _, err := s.store.AddLeadNote(t.Context(), lead.ID, u.ID, "Prefers a call after 4pm; keen on coaching."); err != nil {
			t.Fatal(err)
		}
		if page := s.get(path); !strings.Contains(page.body, `href="`+path+`/brief.pdf"`) {
			t.Errorf("the lead page does not link %s/brief.pdf", path)
		}
		r := s.get(path + "/brief.pdf")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("GET %s/brief.pdf = %d %s", path, r.status, r.header.Get("Content-Type"))
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Robots-Tag") != "noindex" {
			t.Errorf("the brief may be cached or indexed: %v", r.header)
		}
		pdf := []byte(r.body)
		pdftest.KeepPNG(t, pdf, pngName(t))
		text := strings.Join(strings.Fields(pdftest.Text(t, pdf)), " ")
		// All five scores are equal, so the weakest are the first two
		// dimensions; the lead's first stored answer is on the first.
		weakest := s.def.Dimensions[0]
		for _, want := range []string{"Ada Lovelace", "ada@example.com", "Analytical Engines Ltd", "newsletter",
			weakest.Name, "As stored: question 1", "“Stored option label”", weakest.CallQuestions[0],
			"Prefers a call after 4pm; keen on coaching.", u.DisplayName()} {
			if !strings.Contains(text, want) {
				t.Errorf("the brief lacks %q:\n%s", want, text)
			}
		}
		if n := pdftest.Pages(t, pdf); n != 1 {
			t.Errorf("the brief has %d pages, want 1", n)
		}
		history, err := s.store.LeadActivity(t.Context(), lead.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range history {
			found = found || a.Kind == models.ActivityBriefViewed && a.ActorID != nil && *a.ActorID == u.ID
		}
		if !found {
			t.Errorf("opening the brief is not in the lead's history: %+v", history)
		}
		if page := s.get(path); !strings.Contains(page.body, "Opened the call brief (PDF)") {
			t.Error("the lead page's history does not show the brief was opened")
		}

		s.signOut()
		s.signIn(models.RoleMarketing)
		if r := s.get(path + "/brief.pdf"); r.status != http.StatusForbidden {
			t.Errorf("marketing's GET of the brief = %d, want 403", r.status)
		}
	})
}

// pngName names a kept page after the test and its dialect.
func pngName(t *testing.T) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
}
