package views

import (
	"html/template"
	"strings"
	"testing"
	"testing/fstest"
)

var testFuncs = template.FuncMap{"asset": func(name string) string { return "/static/" + name }}

// TestPagesHoldOnlyTheirPartials: each page is parsed with the partials
// it calls, through other partials too, and with no other.
func TestPagesHoldOnlyTheirPartials(t *testing.T) {
	r, err := New(testFuncs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		page       string
		has, hasnt []string
	}{
		{"article", []string{"layout", "content", "cta"}, []string{"chart", "chart-svg", "field", "team-report", "question-steps", "dashboard-steps", "webhook-fields"}},
		{"result", []string{"layout", "content", "chart", "chart-svg"}, []string{"cta", "field", "team-report", "webhook-fields"}},
		{"diagnostic", []string{"field", "question-errors", "question-progress", "question-steps"}, []string{"chart", "team-report", "webhook-fields"}},
		{"embed/result", []string{"chart", "chart-svg"}, []string{"cta", "team-report"}},
		{"admin/lead", []string{"chart", "chart-svg", "team-report"}, []string{"cta", "field", "webhook-fields"}},
		{"admin/integrations", []string{"webhook-fields"}, []string{"chart", "team-report"}},
	} {
		p, ok := r.pages[c.page]
		if !ok {
			t.Errorf("no page %q", c.page)
			continue
		}
		for _, name := range c.has {
			if p.Lookup(name) == nil {
				t.Errorf("%s: template %q missing", c.page, name)
			}
		}
		for _, name := range c.hasnt {
			if p.Lookup(name) != nil {
				t.Errorf("%s: holds template %q, which it never calls", c.page, name)
			}
		}
	}
}

// TestTemplateMistakesFailAtStart: a call to a template nobody defines,
// or one name defined by two partials, stops the parse with a message
// naming it, instead of failing a visitor's request later.
func TestTemplateMistakesFailAtStart(t *testing.T) {
	layouts := fstest.MapFS{
		"layout.html":       {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}</main>{{end}}`)},
		"admin_layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"embed_layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"an undefined call", map[string]string{
			"pages/a.html":    `{{define "content"}}{{template "box" .}}{{end}}`,
			"partials/b.html": `{{define "box"}}{{template "missing" .}}{{end}}`,
		}, `pages/a.html: it calls template "missing"`},
		{"one name in two partials", map[string]string{
			"pages/a.html":    `{{define "content"}}{{end}}`,
			"partials/b.html": `{{define "box"}}b{{end}}`,
			"partials/c.html": `{{define "box"}}c{{end}}`,
		}, `template "box" is defined in both partials/b.html and partials/c.html`},
	} {
		fsys := fstest.MapFS{}
		for k, v := range layouts {
			fsys[k] = v
		}
		for k, v := range c.files {
			fsys[k] = &fstest.MapFile{Data: []byte(v)}
		}
		_, err := newRenderer(fsys, testFuncs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestPageRendersThroughNestedPartials: a page whose partial calls another
// renders with both.
func TestPageRendersThroughNestedPartials(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html":       {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}</main>{{end}}`)},
		"admin_layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"embed_layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"pages/a.html":      {Data: []byte(`{{define "content"}}{{template "outer" .}}{{end}}`)},
		"partials/o.html":   {Data: []byte(`{{define "outer"}}<p>{{template "inner" .}}</p>{{end}}`)},
		"partials/i.html":   {Data: []byte(`{{define "inner"}}{{.}}{{end}}`)},
		"partials/u.html":   {Data: []byte(`{{define "unused"}}x{{end}}`)},
	}
	r, err := newRenderer(fsys, testFuncs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Render(&b, "a", "<hi>", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "<main><p>&lt;hi&gt;</p></main>"; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
	if r.pages["a"].Lookup("unused") != nil {
		t.Error(`page a holds "unused", which it never calls`)
	}
}
