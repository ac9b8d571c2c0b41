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
	"text/template/parse"

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
//
// Each page is parsed with its layout and only the partials it calls,
// directly or through another partial. Cloning one set of every partial
// for each page kept more than half of the portal's live memory in copies
// no page runs, and the collector walked all of it on every cycle.
func New(funcs template.FuncMap) (*Renderer, error) {
	return newRenderer(files, funcs)
}

func newRenderer(fsys fs.FS, funcs template.FuncMap) (*Renderer, error) {
	partials, err := partialFiles(fsys, funcs)
	if err != nil {
		return nil, err
	}
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
		var names []string
		for _, g := range set.globs {
			found, err := fs.Glob(fsys, g)
			if err != nil {
				return nil, err
			}
			names = append(names, found...)
		}
		for _, name := range names {
			t, err := parsePage(fsys, funcs, partials, set.layout, name)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", name, err)
			}
			r.pages[set.prefix+strings.TrimSuffix(path.Base(name), ".html")] = t
		}
	}
	return r, nil
}

// partialFiles maps each template the partials define to its file.
func partialFiles(fsys fs.FS, funcs template.FuncMap) (map[string]string, error) {
	found, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return nil, err
	}
	in := map[string]string{}
	for _, file := range found {
		t, err := template.New(file).Funcs(funcs).ParseFS(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		for _, d := range t.Templates() {
			if d.Name() == file {
				continue // the file's own text, outside its definitions
			}
			if other, ok := in[d.Name()]; ok {
				return nil, fmt.Errorf("template %q is defined in both %s and %s", d.Name(), other, file)
			}
			in[d.Name()] = file
		}
	}
	return in, nil
}

// parsePage parses a page with its layout, then adds the partial files
// that define the templates they call until every call has its template.
func parsePage(fsys fs.FS, funcs template.FuncMap, partials map[string]string, layout, page string) (*template.Template, error) {
	set := []string{layout, page}
	added := map[string]bool{}
	for {
		t, err := template.New(layout).Funcs(funcs).ParseFS(fsys, set...)
		if err != nil {
			return nil, err
		}
		var more []string
		for _, name := range calledTemplates(t) {
			if t.Lookup(name) != nil {
				continue
			}
			file, ok := partials[name]
			if !ok {
				return nil, fmt.Errorf("it calls template %q, which neither the page, its layout nor a partial defines", name)
			}
			if !added[file] {
				added[file] = true
				more = append(more, file)
			}
		}
		if len(more) == 0 {
			return t, nil
		}
		set = append(set, more...)
	}
}

// calledTemplates lists the names every template of t's set calls.
func calledTemplates(t *template.Template) []string {
	var names []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			names = append(names, n.Name)
		}
	}
	for _, d := range t.Templates() {
		if d.Tree != nil {
			walk(d.Tree.Root)
		}
	}
	return names
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
