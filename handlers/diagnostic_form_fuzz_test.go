package handlers

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

// validDiagnosticBody is a complete submission of the shipped form.
func validDiagnosticBody(def *diagnostic.Definition) url.Values {
	v := url.Values{"name": {"Grace Hopper"}, "email": {"grace@example.com"}, "company": {"Acme"},
		"role": {"Lead"}, "team_size": {"8"}, "consent_summary": {"yes"}, "submission": {newSubmissionKey()}}
	diagnostictest.Fill(v, def, diagnostictest.Varied)
	return v
}

// FuzzParseDiagnosticForm sends any url-encoded body through the form's
// parser: it never panics, and whatever it calls valid scores, with every
// answer a listed option and every kept field within its limits and free of
// control and invisible formatting characters.
func FuzzParseDiagnosticForm(f *testing.F) {
	def := diagnostictest.Shipped(f)
	consent, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		f.Fatal(err)
	}
	valid := validDiagnosticBody(def)
	first, second := diagnostic.AnswerField(def.Questions[0].ID), diagnostic.AnswerField(def.Questions[1].ID)
	f.Add(valid.Encode())
	f.Add("")
	for field, value := range map[string]string{
		"name":                       "<script>alert(1)</script>",
		"email":                      "a\r\nBcc: victim@example.com",
		"company":                    "=HYPERLINK(\"http://x\",\"y\")",
		"role":                       "\u202eevil",
		"team_size":                  "99999999999999999999",
		first:                        "+3",
		second:                       "NaN",
		diagnostic.AnswerField("zz"): "3",
	} {
		v := url.Values{}
		for k, vs := range valid {
			v[k] = append([]string(nil), vs...)
		}
		v.Set(field, value)
		f.Add(v.Encode())
	}
	f.Add(valid.Encode() + "&" + first + "=4") // a question answered twice
	f.Add(valid.Encode() + "&name=%ff%fe")     // a name twice, once unreadable
	f.Add(strings.Replace(valid.Encode(), "Grace", "Gr%00ace", 1))
	f.Add(strings.Replace(valid.Encode(), "Grace", "Gr%E2%80%8Bace", 1))
	f.Fuzz(func(t *testing.T, body string) {
		v, _ := url.ParseQuery(body) // net/http keeps what it could read too
		form := parseDiagnosticForm(v, def, consent)
		if !form.valid() {
			return
		}
		if _, err := def.Score(form.Answers); err != nil {
			t.Fatalf("valid form does not score: %v", err)
		}
		for _, q := range def.Questions {
			if _, ok := q.Option(form.Answers[q.ID]); !ok {
				t.Fatalf("valid form answers %s with %d, not an option", q.ID, form.Answers[q.ID])
			}
		}
		for _, c := range []struct {
			name, value string
			max         int
			required    bool
		}{
			{"name", form.Name, maxNameLen, true},
			{"email", form.Email, maxEmailLen, true},
			{"company", form.Company, maxCompanyLen, true},
			{"role", form.Role, maxRoleLen, true},
			{"team_size", form.TeamSize, 7, false},
		} {
			switch {
			case !utf8.ValidString(c.value):
				t.Fatalf("%s %q is not UTF-8", c.name, c.value)
			case utf8.RuneCountInString(c.value) > c.max:
				t.Fatalf("%s %q is longer than %d", c.name, c.value, c.max)
			case c.required && c.value == "":
				t.Fatalf("%s is blank", c.name)
			case c.value != strings.TrimSpace(c.value):
				t.Fatalf("%s %q keeps surrounding space", c.name, c.value)
			case strings.ContainsFunc(c.value, func(r rune) bool { return unicode.IsControl(r) || hiddenFormat(r) }):
				t.Fatalf("%s %q keeps a control or invisible formatting character", c.name, c.value)
			}
		}
		if checkEmail(form.Email) != "" {
			t.Fatalf("email %q is not an address", form.Email)
		}
		if form.TeamSize != "" {
			if n := form.teamSizeNumber(); n == nil || *n < 1 || *n > maxTeamSize {
				t.Fatalf("team size %q kept", form.TeamSize)
			}
		}
		for _, p := range consent.Purposes {
			if p.Required && !form.Consents[p.ID] {
				t.Fatalf("valid without the required consent %s", p.ID)
			}
		}
	})
}
