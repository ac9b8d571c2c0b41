package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

func TestDiagnosticFormPage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		r := s.get("/diagnostic?utm_source=mail")
		if r.status != http.StatusOK {
			t.Fatalf("GET /diagnostic = %d", r.status)
		}
		if got := strings.Count(r.body, `<fieldset class="question`); got != len(s.def.Questions) {
			t.Errorf("%d questions shown, want %d", got, len(s.def.Questions))
		}
		if strings.Contains(r.body, " checked") {
			t.Errorf("nothing may be ticked or chosen in advance")
		}
		for _, want := range []string{`name="consent_summary"`, `name="consent_marketing"`, `<progress`, `name="_csrf" value="`, `name="landing_page" value="/diagnostic"`, `name="utm_source" value="mail"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("form lacks %s", want)
			}
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
		}
	})
}

func TestSubmitDiagnosticSavesTheLead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(4))
		form.Set("consent_marketing", "yes")
		r := s.post("/diagnostic", form)
		if r.status != http.StatusSeeOther {
			t.Fatalf("POST /diagnostic = %d, want 303; body:\n%s", r.status, r.body)
		}
		token, ok := strings.CutPrefix(r.header.Get("Location"), "/results/")
		if !ok || len(token) < 22 {
			t.Fatalf("Location = %q, want /results/{token of at least 128 bits}", r.header.Get("Location"))
		}
		lead, err := s.store.LeadByToken(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		if lead.Name != "Ada Lovelace" || lead.Email != "ada@example.com" || lead.Company != "Analytical Engines Ltd" ||
			lead.Role != "Head of Operations" || lead.TeamSize == nil || *lead.TeamSize != 14 {
			t.Errorf("contact = %+v", lead)
		}
		if lead.DiagnosticVersion != s.def.Version || len(lead.Answers) != len(s.def.Questions) || len(lead.Scores) != len(s.def.Dimensions) {
			t.Errorf("version %q, %d answers, %d scores", lead.DiagnosticVersion, len(lead.Answers), len(lead.Scores))
		}
		want, _ := s.def.Score(diagnostictest.Answers(s.def, diagnostictest.Value(4)))
		if lead.OverallIndex != want.Index || lead.Band != want.Band.ID {
			t.Errorf("index %d band %q, want %d %q", lead.OverallIndex, lead.Band, want.Index, want.Band.ID)
		}
		if a := lead.Answers[0]; a.QuestionText != s.def.Questions[0].Text || a.Label != "Often" {
			t.Errorf("first answer = %+v", a)
		}
		if c, _ := lead.Consent("summary"); !c.Granted || c.WordingVersion == "" || len(c.WordingSHA256) != 64 {
			t.Errorf("summary consent = %+v", c)
		}
		if c, _ := lead.Consent("marketing"); !c.Granted {
			t.Errorf("marketing consent = %+v", c)
		}
		src := lead.Source
		if src.UTMSource != "newsletter" || src.UTMCampaign != "autumn-2026" || src.LandingPage != "/articles/leadership-vs-management" || src.Referrer != "https://www.linkedin.com/feed/" {
			t.Errorf("source = %+v", src)
		}
	})
}

func TestSubmitDiagnosticRejectsBadInput(t *testing.T) {
	long := strings.Repeat("x", 101)
	cases := []struct {
		name    string
		change  func(v url.Values)
		status  int
		message string
	}{
		{"missing answer", func(v url.Values) { v.Del("a.q5") }, 422, "Question 5: choose how often this happens."},
		{"answer sent twice", func(v url.Values) { v.Add("a.q2", "1") }, 422, "Question 2 was answered more than once"},
		{"unknown question", func(v url.Values) { v.Set("a.q99", "3") }, 422, "answers to questions we don’t ask"},
		{"value above the scale", func(v url.Values) { v.Set("a.q3", "6") }, 422, "Question 3: choose one of the options given."},
		{"value below the scale", func(v url.Values) { v.Set("a.q3", "0") }, 422, "Question 3: choose one of the options given."},
		{"value not a number", func(v url.Values) { v.Set("a.q3", "lots") }, 422, "Question 3: choose one of the options given."},
		{"no name", func(v url.Values) { v.Set("name", "  ") }, 422, "Enter your name."},
		{"overlong name", func(v url.Values) { v.Set("name", long) }, 422, "Your name must be 100 characters or fewer (it has 101)."},
		{"control characters", func(v url.Values) { v.Set("company", "Acme\x00\x07Ltd") }, 422, "Company contains invisible control characters"},
		{"header injection", func(v url.Values) { v.Set("name", "Ada\r\nBcc: all@example.com") }, 422, "Your name contains invisible control characters"},
		{"invalid UTF-8", func(v url.Values) { v.Set("role", "Chef \xff\xfe") }, 422, "Your role contains characters we can’t read."},
		{"malformed email", func(v url.Values) { v.Set("email", "ada@") }, 422, "Enter an email address like name@company.com."},
		{"email with a display name", func(v url.Values) { v.Set("email", "Ada <ada@example.com>") }, 422, "Enter an email address like name@company.com."},
		{"email without a dotted domain", func(v url.Values) { v.Set("email", "ada@localhost") }, 422, "Enter an email address like name@company.com."},
		{"overlong email", func(v url.Values) { v.Set("email", strings.Repeat("a", 250)+"@example.com") }, 422, "Your work email must be 254 characters or fewer"},
		{"team size not a number", func(v url.Values) { v.Set("team_size", "ten") }, 422, "Team size: enter a whole number from 1 to 100000"},
		{"team size zero", func(v url.Values) { v.Set("team_size", "0") }, 422, "Team size: enter a whole number"},
		{"required consent missing", func(v url.Values) { v.Del("consent_summary") }, 422, "tick the box to let us store your answers"},
		{"missing CSRF token", func(v url.Values) { v.Del("_csrf") }, 403, "This form had expired"},
		{"wrong CSRF token", func(v url.Values) { v.Set("_csrf", "forged") }, 403, "This form had expired"},
	}
	forEachDialect(t, func(t *testing.T, s *site) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := s.validForm(diagnostictest.Value(4))
				form.Set("a.q1", "2")
				tc.change(form)
				r := s.post("/diagnostic", form)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d", r.status, tc.status)
				}
				if !strings.Contains(r.body, htmlEscape(tc.message)) {
					t.Errorf("page lacks %q", tc.message)
				}
				if n := s.leadCount(); n != 0 {
					t.Errorf("%d leads stored, want none", n)
				}
				// The visitor's valid answers are still chosen.
				if !regexp.MustCompile(`name="a.q1" value="2" checked`).MatchString(r.body) {
					t.Errorf("answer to question 1 was not kept")
				}
				if tc.name != "missing answer" && !strings.Contains(r.body, `name="a.q5" value="4" checked`) {
					t.Errorf("answer to question 5 was not kept")
				}
				if !strings.Contains(r.body, `value="ada@example.com"`) && tc.name != "malformed email" && !strings.Contains(tc.name, "email") {
					t.Errorf("email was not kept")
				}
			})
		}
	})
}

// htmlEscape escapes the way html/template does for the characters our
// messages use.
func htmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestSubmitDiagnosticResubmitsAfterAnExpiredForm(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(3))
		form.Set("_csrf", "stale")
		r := s.post("/diagnostic", form)
		token := csrfInput.FindStringSubmatch(r.body)
		if r.status != http.StatusForbidden || token == nil {
			t.Fatalf("expired form: status %d, fresh token %v", r.status, token != nil)
		}
		form.Set("_csrf", token[1])
		if r := s.post("/diagnostic", form); r.status != http.StatusSeeOther {
			t.Fatalf("resubmission = %d, want 303", r.status)
		}
	})
}

func TestSubmitDiagnosticBodyTooLarge(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(3))
		form.Set("role", strings.Repeat("x", 70<<10))
		r := s.post("/diagnostic", form)
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "more than we can accept") {
			t.Fatalf("status %d, want 413 with an explanation", r.status)
		}
		if s.leadCount() != 0 {
			t.Errorf("a lead was stored")
		}
	})
}

func TestSubmitDiagnosticTooManyFields(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(3))
		for i := range 200 {
			form.Add("x"+strconv.Itoa(i), "1")
		}
		r := s.post("/diagnostic", form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "far more fields than it has") {
			t.Fatalf("status %d, want 422 with an explanation", r.status)
		}
		// Every answer is still there to send again.
		if !strings.Contains(r.body, `value="ada@example.com"`) || !strings.Contains(r.body, "checked") {
			t.Error("the refused form lost its answers")
		}
		if s.leadCount() != 0 {
			t.Errorf("a lead was stored")
		}
	})
}

func TestSubmitDiagnosticMalformedBody(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.csrf()
		r := s.postRaw("/diagnostic", "a.q1=%zz&name=%")
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", r.status)
		}
	})
}

func TestSubmitDiagnosticWhenTheDatabaseIsDown(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(5))
		s.store.Close()
		r := s.post("/diagnostic", form)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", r.status)
		}
		if !strings.Contains(r.body, "Nothing is lost") || !strings.Contains(r.body, `name="a.q7" value="5" checked`) || !strings.Contains(r.body, `value="Analytical Engines Ltd"`) {
			t.Errorf("the form did not come back with the visitor's answers")
		}
	})
}

// TestDoubleSubmissionMakesOneLead sends the same form ten times at once,
// as a double click or a retry after a timeout would: one lead, and every
// response leads to its result.
func TestDoubleSubmissionMakesOneLead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		form := s.validForm(diagnostictest.Value(4))
		if form.Get("submission") == "" {
			t.Fatal("the form carries no submission key")
		}
		locations := make(chan string, 10)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, s.url+"/diagnostic", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := s.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusSeeOther {
					t.Errorf("status %d, want 303", res.StatusCode)
				}
				locations <- res.Header.Get("Location")
			}()
		}
		wg.Wait()
		close(locations)
		first := ""
		for loc := range locations {
			if first == "" {
				first = loc
			}
			if loc != first || !strings.HasPrefix(loc, "/results/") {
				t.Errorf("responses lead to %q and %q; want the same result", first, loc)
			}
		}
		if n := s.leadCount(); n != 1 {
			t.Errorf("%d leads, want 1", n)
		}
		// A fresh form is a new submission.
		if r := s.post("/diagnostic", s.validForm(diagnostictest.Value(4))); r.status != http.StatusSeeOther || s.leadCount() != 2 {
			t.Errorf("a second, separate submission = %d with %d leads", r.status, s.leadCount())
		}
	})
}
