package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stellapop/intake/diagnostic"
)

// Field limits for the contact step.
const (
	maxNameLen    = 100
	maxEmailLen   = 254
	maxCompanyLen = 120
	maxRoleLen    = 100
	maxTeamSize   = 100000
	// maxFormValues bounds the values one submission may carry: the form
	// has about 35, so many more is not a person using it.
	maxFormValues = 100
)

// diagnosticForm is what a visitor sent, kept as typed so it can be shown
// again, with a message per field that needs attention.
type diagnosticForm struct {
	Answers  map[string]int    // valid answers by question id
	Raw      map[string]string // every answer as sent, to re-select it
	Name     string
	Email    string
	Company  string
	Role     string
	TeamSize string
	Consents map[string]bool // purpose id → ticked
	Source   source
	// SubmissionKey identifies one rendering of the form, so sending it
	// twice finds the first submission's lead instead of making another.
	SubmissionKey string
	Stamp         string            // when the form was served, signed (see formStamper)
	Errors        map[string]string // field anchor → message
	FormError     string            // a problem with the form as a whole
}

func (f *diagnosticForm) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// valid reports whether the form can be scored and saved.
func (f *diagnosticForm) valid() bool { return len(f.Errors) == 0 && f.FormError == "" }

// teamSizeNumber is the optional team size as a number, nil when left blank.
func (f *diagnosticForm) teamSizeNumber() *int {
	if f.TeamSize == "" {
		return nil
	}
	n, err := strconv.Atoi(f.TeamSize)
	if err != nil {
		return nil
	}
	return &n
}

// parseDiagnosticForm reads and validates a submission against the
// diagnostic and consent definitions. Every problem is reported, each next
// to its field.
func parseDiagnosticForm(v url.Values, def *diagnostic.Definition, consent *diagnostic.Consent) *diagnosticForm {
	f := &diagnosticForm{
		Answers:  map[string]int{},
		Raw:      map[string]string{},
		Consents: map[string]bool{},
		Errors:   map[string]string{},
		Source:   sourceFromForm(v),
		// A missing or malformed key only loses the protection against a
		// repeated submission, so it is replaced rather than refused.
		SubmissionKey: cleanSubmissionKey(v.Get("submission")),
		Stamp:         v.Get(stampField),
	}

	f.readAnswers(v, def)

	f.Name = f.text(v, "name", "Your name", maxNameLen, "Enter your name.")
	f.Email = f.text(v, "email", "Your work email", maxEmailLen, "Enter your work email address.")
	f.Company = f.text(v, "company", "Company", maxCompanyLen, "Enter the name of your company.")
	f.Role = f.text(v, "role", "Your role", maxRoleLen, "Enter your role, for example “Product lead”.")
	f.TeamSize = f.text(v, "team_size", "Team size", 7, "")

	if f.Email != "" && f.Errors["email"] == "" {
		if msg := checkEmail(f.Email); msg != "" {
			f.fail("email", msg)
		}
	}
	if f.TeamSize != "" && f.Errors["team_size"] == "" {
		n, err := strconv.Atoi(f.TeamSize)
		if err != nil || n < 1 || n > maxTeamSize {
			f.fail("team_size", fmt.Sprintf("Team size: enter a whole number from 1 to %d, or leave it blank.", maxTeamSize))
		}
	}

	for _, p := range consent.Purposes {
		values := v["consent_"+p.ID]
		f.Consents[p.ID] = len(values) > 0 && values[0] == "yes"
		if p.Required && !f.Consents[p.ID] {
			f.fail("consent-"+p.ID, "To see and receive your result, tick the box to let us store your answers and email you your summary.")
		}
	}
	return f
}

// text reads one contact field, reporting overlong and unreadable input,
// and blank input with ifBlank unless the field is optional (ifBlank "").
func (f *diagnosticForm) text(v url.Values, name, label string, max int, ifBlank string) string {
	values := v[name]
	raw := ""
	if len(values) > 0 {
		raw = values[0]
	}
	if len(values) > 1 {
		f.fail(name, label+" was sent more than once. Please enter it once.")
	}
	if !utf8.ValidString(raw) {
		f.fail(name, label+" contains characters we can’t read. Please type it again.")
		return strings.ToValidUTF8(raw, "")
	}
	value := strings.TrimSpace(raw)
	if strings.ContainsFunc(value, unicode.IsControl) {
		f.fail(name, label+" contains invisible control characters. Please type it again without them.")
		return value
	}
	if strings.ContainsFunc(value, hiddenFormat) {
		f.fail(name, label+" contains invisible formatting characters, such as a zero-width space or a text-direction mark. Please type it again without them.")
		return value
	}
	if n := utf8.RuneCountInString(value); n > max {
		f.fail(name, fmt.Sprintf("%s must be %d characters or fewer (it has %d).", label, max, n))
		return value
	}
	if ifBlank != "" && value == "" {
		f.fail(name, ifBlank)
	}
	return value
}

// hiddenFormat reports the format characters (Unicode Cf) that draw
// nothing yet change what text looks like: zero-width spaces, byte-order
// marks, and text-direction overrides that could make a name or address in
// the workspace read as another. The zero-width joiner and non-joiner stay
// allowed: Persian, Indic scripts and emoji need them.
func hiddenFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d'
}

// checkEmail accepts a single bare address with a dotted domain.
func checkEmail(addr string) string {
	const msg = "Enter an email address like name@company.com."
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr || parsed.Name != "" {
		return msg
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.ContainsAny(addr, " \"()<>[]\\,;:") {
		return msg
	}
	return ""
}

func questionNumber(def *diagnostic.Definition, id string) string {
	for i, q := range def.Questions {
		if q.ID == id {
			return strconv.Itoa(i + 1)
		}
	}
	return id
}

// newSubmissionKey returns 128 random bits, URL-safe.
func newSubmissionKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cleanSubmissionKey keeps a key only if it looks like one we made.
func cleanSubmissionKey(k string) string {
	b, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil || len(b) != 16 {
		return ""
	}
	return k
}

// readAnswers reads and checks the answer to every question of def: the
// diagnostic's form and a colleague's team answer share it.
func (f *diagnosticForm) readAnswers(v url.Values, def *diagnostic.Definition) {
	values := 0
	for _, vs := range v {
		values += len(vs)
	}
	if values > maxFormValues {
		f.FormError = "The form arrived with far more fields than it has, so nothing was saved. Please check your answers below and send them again."
	}
	for key := range v {
		if id, ok := strings.CutPrefix(key, diagnostic.AnswerFieldPrefix); ok {
			if _, known := def.Question(id); !known {
				f.FormError = "The form included answers to questions we don’t ask, so nothing was saved. Please check your answers below and send them again."
			}
		}
	}

	for _, q := range def.Questions {
		anchor := "q-" + q.ID
		values := v[diagnostic.AnswerField(q.ID)]
		switch {
		case len(values) == 0 || values[0] == "":
			f.fail(anchor, fmt.Sprintf("Question %s: choose how often this happens.", questionNumber(def, q.ID)))
			continue
		case len(values) > 1:
			f.fail(anchor, fmt.Sprintf("Question %s was answered more than once: choose one answer.", questionNumber(def, q.ID)))
			continue
		}
		f.Raw[q.ID] = values[0]
		n, err := strconv.Atoi(values[0])
		// Only an option's value exactly as the form sends it: "+3", "03"
		// and " 3" are no answer a visitor could have chosen.
		if err != nil || strconv.Itoa(n) != values[0] {
			f.fail(anchor, fmt.Sprintf("Question %s: choose one of the options given.", questionNumber(def, q.ID)))
			continue
		}
		if _, ok := q.Option(n); !ok {
			f.fail(anchor, fmt.Sprintf("Question %s: choose one of the options given.", questionNumber(def, q.ID)))
			continue
		}
		f.Answers[q.ID] = n
	}
}
