package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestOverloadIsRefusedQuickly holds the only turn with a submission whose
// save waits, then checks that another submission is refused within the
// short wait with a 503, Retry-After and every answer kept, that other
// database routes (and readiness) are refused the same way, that pages served from memory
// are not, and that the held submission still completes.
func TestOverloadIsRefusedQuickly(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			deps := testDeps(t, store)
			deps.InFlightLimit, deps.ShedWait = 1, 50*time.Millisecond
			var log lockedBuffer
			deps.Logger = slog.New(slog.NewTextHandler(&log, nil))
			entered, release := make(chan struct{}, 1), make(chan struct{})
			deps.OnLeadSaved = func(ctx context.Context, _ models.Tx, _ *models.Lead) error {
				entered <- struct{}{}
				<-release
				return nil
			}
			e, err := handlers.NewServer(deps)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)
			s := newSiteAt(t, srv.URL, store, deps)

			held := s.validForm(diagnostictest.Value(4))
			done := make(chan response, 1)
			go func() { done <- s.post("/diagnostic", held) }()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first submission never reached the database")
			}

			form := s.validForm(diagnostictest.Value(5))
			start := time.Now()
			r := s.post("/diagnostic", form)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the refusal took %s", took)
			}
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Fatalf("second submission: status %d, Retry-After %q; want 503 with Retry-After", r.status, r.header.Get("Retry-After"))
			}
			if !strings.Contains(r.body, "Nothing is lost") || !strings.Contains(r.body, `name="a.q7" value="5" checked`) ||
				!strings.Contains(r.body, `value="Analytical Engines Ltd"`) || !csrfInput.MatchString(r.body) {
				t.Errorf("the refused form did not come back with the visitor's answers and a token")
			}
			// Readiness says "send no more" while the instance sheds load,
			// so a load balancer can steer visitors to another one.
			for _, path := range []string{"/results/some-token", "/readyz"} {
				if r := s.get(path); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
					t.Errorf("GET %s while busy: %d, Retry-After %q; want 503", path, r.status, r.header.Get("Retry-After"))
				}
			}
			for _, path := range []string{"/", "/diagnostic", "/healthz"} {
				if r := s.get(path); r.status != http.StatusOK {
					t.Errorf("GET %s while busy: %d, want 200", path, r.status)
				}
			}

			// A refusal is the server working as designed: a warning in
			// the log, not an error.
			refusals := 0
			for _, line := range strings.Split(log.String(), "\n") {
				if !strings.Contains(line, "msg=request") || !strings.Contains(line, "status=503") {
					continue
				}
				refusals++
				if !strings.Contains(line, "level=WARN") {
					t.Errorf("a refusal under load is logged as %q, want level=WARN", line)
				}
			}
			if refusals != 3 {
				t.Errorf("%d refusals in the log, want 3:\n%s", refusals, log.String())
			}

			close(release)
			if r := <-done; r.status != http.StatusSeeOther {
				t.Fatalf("held submission: status %d, want 303", r.status)
			}
			// The refused form, sent again once there is room, is saved.
			if r := s.post("/diagnostic", form); r.status != http.StatusSeeOther {
				t.Errorf("refused form sent again: status %d, want 303", r.status)
			}
			if n := s.leadCount(); n != 2 {
				t.Errorf("%d leads, want 2", n)
			}
		})
	}
}

// lockedBuffer is a log the server's goroutines may write at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newSiteAt is a site for a server the test built itself.
func newSiteAt(t *testing.T, url string, store *models.Store, deps handlers.Deps) *site {
	jar, _ := cookiejar.New(nil)
	return &site{t: t, url: url, store: store, def: deps.Diagnostic, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// TestFramedSubmissionRefusedUnderLoadKeepsItsAnswers: a submission from
// the framed diagnostic refused under load comes back as the framed form,
// 503 with Retry-After, the busy notice and every answer kept, still
// framable by the embedding sites; sent again once there is room, it is
// saved.
func TestFramedSubmissionRefusedUnderLoadKeepsItsAnswers(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			deps := testDeps(t, store)
			deps.EmbedOrigins = embedOrigins
			deps.InFlightLimit, deps.ShedWait = 1, 50*time.Millisecond
			entered, release := make(chan struct{}, 1), make(chan struct{})
			var once sync.Once
			deps.OnLeadSaved = func(ctx context.Context, _ models.Tx, _ *models.Lead) error {
				once.Do(func() { entered <- struct{}{}; <-release })
				return nil
			}
			e, err := handlers.NewServer(deps)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)
			s := newSiteAt(t, srv.URL, store, deps)

			done := make(chan response, 1)
			go func() { done <- s.post("/diagnostic", s.validForm(diagnostictest.Value(4))) }()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first submission never reached the database")
			}

			s.client.Jar = nil // a frame whose cookies the browser blocks
			form := embedForm(t, s, "parent=https%3A%2F%2Fwww.stellapop.example")
			r := s.post("/embed/diagnostic", form)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Fatalf("framed submission while busy: status %d, Retry-After %q; want 503 with Retry-After", r.status, r.header.Get("Retry-After"))
			}
			if !strings.Contains(r.body, "Nothing is lost") || !strings.Contains(r.body, `value="Cobol Ltd"`) ||
				!strings.Contains(r.body, `action="/embed/diagnostic"`) || strings.Contains(r.body, "site-header") {
				t.Errorf("the refused framed form did not come back compact with the visitor's answers")
			}
			for _, q := range s.def.Questions {
				if want := `name="a.` + q.ID + `" value="` + form.Get("a."+q.ID) + `" checked`; !strings.Contains(r.body, want) {
					t.Errorf("answer to %s not kept (%s)", q.ID, want)
				}
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://www.stellapop.example") {
				t.Errorf("the refused framed form may not be framed by the embedding site: %q", csp)
			}

			close(release)
			if r := <-done; r.status != http.StatusSeeOther {
				t.Fatalf("held submission: status %d, want 303", r.status)
			}
			if r := s.post("/embed/diagnostic", form); r.status != http.StatusSeeOther {
				t.Errorf("refused framed form sent again: status %d, want 303", r.status)
			}
			if n := s.leadCount(); n != 2 {
				t.Errorf("%d leads, want 2", n)
			}
		})
	}
}
