package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/static"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// site is the real router on a real database, reached over HTTP by a client
// that keeps cookies and does not follow redirects.
type site struct {
	t      *testing.T
	url    string
	store  *models.Store
	def    *diagnostic.Definition
	client *http.Client
	echo   *echo.Echo
}

type response struct {
	status int
	header http.Header
	body   string
}

func newSite(t *testing.T, dialect string) *site {
	t.Helper()
	return newSiteWith(t, modelstest.Open(t, dialect), nil)
}

func testDeps(t testing.TB, store *models.Store) handlers.Deps {
	t.Helper()
	article, err := content.ParseArticle(content.ArticleMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	def := diagnostictest.Shipped(t)
	consent, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://intake.example.com")
	return handlers.Deps{
		Store: store, Article: article, Diagnostic: def, Consent: consent, Assets: assets,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:    base,
		BookingURL: "https://stellapop.example/book",
		Secret:     testSecret,
		BodyLimit:  "64K",
		LoginDelay: 25 * time.Millisecond,
	}
}

func (s *site) do(req *http.Request) response {
	s.t.Helper()
	res, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (s *site) get(path string, header ...string) response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

func (s *site) postRaw(path, body string) response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

func (s *site) post(path string, form url.Values) response {
	s.t.Helper()
	return s.postRaw(path, form.Encode())
}

var (
	csrfInput       = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	submissionInput = regexp.MustCompile(`name="submission" value="([^"]+)"`)
	stampInput      = regexp.MustCompile(`name="served" value="([^"]+)"`)
)

// csrf opens the diagnostic, as a visitor would before submitting, and
// returns the form's token.
func (s *site) csrf() string {
	s.t.Helper()
	r := s.get("/diagnostic")
	m := csrfInput.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		s.t.Fatalf("GET /diagnostic = %d without a CSRF token", r.status)
	}
	return m[1]
}

// validForm is a complete submission: every question answered with the
// option pick chooses, contact details and the required consent.
func (s *site) validForm(pick diagnostictest.Pick) url.Values {
	v := url.Values{}
	page := s.get("/diagnostic")
	v.Set("_csrf", csrfInput.FindStringSubmatch(page.body)[1])
	if m := submissionInput.FindStringSubmatch(page.body); m != nil {
		v.Set("submission", m[1])
	}
	if m := stampInput.FindStringSubmatch(page.body); m != nil {
		v.Set("served", m[1])
	}
	diagnostictest.Fill(v, s.def, pick)
	v.Set("name", "Ada Lovelace")
	v.Set("email", "ada@example.com")
	v.Set("company", "Analytical Engines Ltd")
	v.Set("role", "Head of Operations")
	v.Set("team_size", "14")
	v.Set("consent_summary", "yes")
	v.Set("utm_source", "newsletter")
	v.Set("utm_campaign", "autumn-2026")
	v.Set("landing_page", "/articles/leadership-vs-management")
	v.Set("referrer", "https://www.linkedin.com/feed/")
	return v
}

func (s *site) leadCount() int64 {
	s.t.Helper()
	n, err := s.store.CountLeads(s.t.Context())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// forEachDialect runs a test against PostgreSQL and the embedded SQLite.
func forEachDialect(t *testing.T, test func(t *testing.T, s *site)) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) { test(t, newSite(t, dialect)) })
	}
}

const testPassword = "correct horse battery staple"

// newUser adds a workspace user with the role; its password is testPassword.
func (s *site) newUser(role string) *models.User {
	s.t.Helper()
	u, err := s.store.CreateUser(context.Background(), role+"-"+strconv.Itoa(int(time.Now().UnixNano()%1e9))+"@stellapop.example", "Test "+role, role, testPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// formToken opens path and returns the CSRF token of its forms.
func (s *site) formToken(path string) string {
	s.t.Helper()
	r := s.get(path)
	m := csrfInput.FindStringSubmatch(r.body)
	if m == nil {
		s.t.Fatalf("GET %s = %d without a form token", path, r.status)
	}
	return m[1]
}

// signIn signs the site's client in as a new user with the role.
func (s *site) signIn(role string) *models.User {
	s.t.Helper()
	u := s.newUser(role)
	r := s.post("/admin/login", url.Values{"_csrf": {s.formToken("/diagnostic")}, "email": {u.Email}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		s.t.Fatalf("sign in as %s = %d:\n%s", role, r.status, r.body)
	}
	return u
}

// signOut forgets the client's cookies.
func (s *site) signOut() {
	jar, _ := cookiejar.New(nil)
	s.client.Jar = jar
}

// echoRoutes lists what the server really serves, as "METHOD /path".
func (s *site) echoRoutes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
