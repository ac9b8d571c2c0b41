package handlers

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/static"
)

// TestBlankFormIsTheTemplatesPage checks that the form served from the
// cache is, byte for byte, the page the template renders for the same
// values, whatever a campaign link puts in the source fields.
func TestBlankFormIsTheTemplatesPage(t *testing.T) {
	store, err := models.Open(t.Context(), "", filepath.Join(t.TempDir()), models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	article, _ := content.ParseArticle(content.ArticleMarkdown)
	def, _ := diagnostic.Parse(content.DiagnosticJSON)
	cons, _ := diagnostic.ParseConsent(content.ConsentJSON)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://intake.example.com")
	e, h, err := newServer(Deps{Store: store, Article: article, Diagnostic: def, Consent: cons, Assets: assets,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: base, BookingURL: "https://stellapop.example/book",
		Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{
		"",
		"utm_source=news+letter&utm_medium=e%22mail&utm_campaign=%3Cscript%3Ealert(1)%3C%2Fscript%3E&utm_term=a%26b%27c&utm_content=%C3%A9t%C3%A9%20%E2%80%94%20%F0%9F%9A%80",
		"landing=%2Farticles%2Fleadership-vs-management%3Fx%3D1%2B2&ref=https%3A%2F%2Fwww.linkedin.com%2Ffeed%2F%3Fa%3D%27%22",
		"utm_source=%00nul&utm_campaign=%60back%60+%3D+%7Bx%7D&utm_term=c%2B%2B&ref=https%3A%2F%2Fexample.com%2Fa%2Bb%27%22%3C%3E",
	} {
		req := httptest.NewRequest(http.MethodGet, "/diagnostic?"+query, nil)
		c := e.NewContext(req, httptest.NewRecorder())
		c.Set(csrfContextKey, "csrf-token_value-1")
		src := sourceFromRequest(c, "/diagnostic")
		if _, ok := h.blankForm.fill(c, h, src); !ok {
			t.Fatal("the blank form is not cached: a placeholder was not found once as an attribute value")
		}
		key, stamp := "submission-key-1", h.stamper.stamp("submission-key-1", time.Now())
		got := h.blankForm.assemble("csrf-token_value-1", key, stamp, src)
		page := h.diagnosticPage(c, http.StatusOK, &diagnosticForm{Source: src}, "")
		page.CSRF, page.Submission, page.Stamp = "csrf-token_value-1", key, stamp
		var want bytes.Buffer
		if err := e.Renderer.Render(&want, "diagnostic", page, c); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			i := 0
			for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
				i++
			}
			t.Errorf("query %q: the cached page differs from the template's at byte %d:\ncached   %q\ntemplate %q",
				query, i, got[max(i-80, 0):min(i+80, len(got))], want.Bytes()[max(i-80, 0):min(i+80, want.Len())])
		}
	}
}
