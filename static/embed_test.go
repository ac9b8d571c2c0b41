package static

import (
	"io/fs"
	"testing"
)

// TestAssetContentTypes: every asset goes out with the type its kind
// needs, whatever MIME database the machine has, and every embedded file
// is one of those kinds.
func TestAssetContentTypes(t *testing.T) {
	want := map[string]string{
		"css/site.css":               "text/css; charset=utf-8",
		"css/admin.css":              "text/css; charset=utf-8",
		"css/admin-dashboard.css":    "text/css; charset=utf-8",
		"css/admin-export.css":       "text/css; charset=utf-8",
		"css/admin-inbox.css":        "text/css; charset=utf-8",
		"css/admin-insights.css":     "text/css; charset=utf-8",
		"css/admin-integrations.css": "text/css; charset=utf-8",
		"css/admin-lead.css":         "text/css; charset=utf-8",
		"css/admin-tokens.css":       "text/css; charset=utf-8",
		"js/diagnostic.js":           "text/javascript; charset=utf-8",
		"embed.js":                   "text/javascript; charset=utf-8",
		"js/embed-frame.js":          "text/javascript; charset=utf-8",
		"favicon.svg":                "image/svg+xml",
	}
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, ok := want[name]; !ok {
			t.Errorf("%s is embedded but not in this test's table: add the type it must be served with", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, ctype := range want {
		f, ok := a.Get(name)
		if !ok {
			t.Errorf("%s: not loaded", name)
			continue
		}
		if len(f.ContentType) != 1 || f.ContentType[0] != ctype {
			t.Errorf("%s: Content-Type %q, want %q", name, f.ContentType, ctype)
		}
	}
}
