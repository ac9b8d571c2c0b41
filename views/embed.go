// Package views holds the HTML templates, embedded and parsed once at start.
package views

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed layout.html admin_layout.html embed_layout.html partials/*.html pages/*.html admin/*.html
var files embed.FS

// Meta is what every page tells the browser, search engines and link previews.
type Meta struct {
	Title       string
	Description string
	Canonical   string // absolute URL; empty for none
	NoIndex     bool
	OGType      string // "article" or "website"
}

// Renderer renders the pages; it implements echo.Renderer.
type Renderer struct {
	pages map[string]*template.Template
}

// New parses the layouts, the partials and every page once. Public pages
// (pages/NAME.html) render as "NAME" in the site's layout; workspace pages
// (admin/NAME.html) as "admin/NAME" in the workspace's; the pages another
// site may frame (the diagnostic and its result) also as "embed/NAME" in
// the compact layout, without the site's header and footer.
func New(funcs template.FuncMap) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, set := range []struct {
		layout string
		globs  []string
		prefix string
	}{
		{"layout.html", []string{"pages/*.html"}, ""},
		{"admin_layout.html", []string{"admin/*.html"}, "admin/"},
		{"embed_layout.html", []string{"pages/diagnostic.html", "pages/result.html"}, "embed/"},
	} {
		base, err := template.New(set.layout).Funcs(funcs).ParseFS(files, set.layout, "partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", set.layout, err)
		}
		var names []string
		for _, g := range set.globs {
			found, err := fs.Glob(files, g)
			if err != nil {
				return nil, err
			}
			names = append(names, found...)
		}
		for _, name := range names {
			t, err := template.Must(base.Clone()).ParseFS(files, name)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", name, err)
			}
			r.pages[set.prefix+strings.TrimSuffix(path.Base(name), ".html")] = t
		}
	}
	return r, nil
}

// Render writes the named page. Echo renders into a buffer first, so a
// template error never sends half a page.
func (r *Renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("views: no page named %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// EmailFS holds the email templates: NAME.html (html/template) and NAME.txt
// (text/template) for each kind of email, and the pieces the HTML ones
// share in email/partials.
//
//go:embed email/*.html email/*.txt email/partials/*.html
var EmailFS embed.FS
