package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
)

const changedQuestion = "My manager asks what would help me do my best work."

// editedDiagnostic is the built-in diagnostic.json as a firm would edit
// it: the first question reworded and the version moved on.
func editedDiagnostic(t *testing.T) []byte {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal(content.DiagnosticJSON, &def); err != nil {
		t.Fatal(err)
	}
	def["version"] = "2027-01-1"
	def["questions"].([]any)[0].(map[string]any)["text"] = changedQuestion
	b, err := json.MarshalIndent(def, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContentFolderChangesTheDiagnosticWithoutARebuild(t *testing.T) {
	dir := t.TempDir()
	edited := editedDiagnostic(t)
	if err := os.WriteFile(filepath.Join(dir, content.DiagnosticFile), edited, 0o600); err != nil {
		t.Fatal(err)
	}
	def, err := diagnostic.Parse(edited)
	if err != nil {
		t.Fatal(err)
	}
	base, a := startApp(t, models.SQLite, "INTAKE_CONTENT_DIR", dir)

	c := newHostileClient(t, base)
	if _, page := c.get("/diagnostic"); !strings.Contains(page, changedQuestion) {
		t.Fatal("the diagnostic does not ask the reworded question")
	}
	form := c.form("grace@example.com")
	diagnostictest.Fill(form, def, diagnostictest.Varied)
	status, header, _ := c.post("/diagnostic", form.Encode())
	if status != http.StatusSeeOther {
		t.Fatalf("POST /diagnostic = %d", status)
	}
	lead, err := a.store.LeadByToken(t.Context(), strings.TrimPrefix(header.Get("Location"), "/results/"))
	if err != nil {
		t.Fatal(err)
	}
	if lead.DiagnosticVersion != "2027-01-1" {
		t.Errorf("the lead's diagnostic version = %q, want the folder's 2027-01-1", lead.DiagnosticVersion)
	}
	if len(lead.Answers) == 0 || lead.Answers[0].QuestionText != changedQuestion {
		t.Errorf("the lead's first answer was to %q, want the reworded question", lead.Answers[0].QuestionText)
	}
	// The article and consent wording the folder lacks are the built-in ones.
	if _, page := c.get("/privacy"); !strings.Contains(page, "StellaPop") {
		t.Error("the privacy page is missing")
	}
}

func TestBrokenContentFileStopsTheStart(t *testing.T) {
	cases := []struct {
		name, file string
		write      func(path string) error
		want       string
	}{
		{"consent that is not JSON", content.ConsentFile,
			func(p string) error { return os.WriteFile(p, []byte(`{"version": `), 0o600) }, content.ConsentFile},
		{"a diagnostic without a version", content.DiagnosticFile,
			func(p string) error {
				return os.WriteFile(p, []byte(strings.Replace(string(content.DiagnosticJSON), `"version": "2026-11-1"`, `"version": ""`, 1)), 0o600)
			}, content.DiagnosticFile},
		{"an article without the sections the advice links to", content.ArticleFile,
			func(p string) error {
				return os.WriteFile(p, []byte("---\ntitle: \"Short\"\ndescription: \"Short\"\n---\n# Short\n\nNothing here.\n"), 0o600)
			}, content.ArticleFile},
		{"an unreadable file", content.DiagnosticFile,
			func(p string) error { return os.Mkdir(p, 0o700) }, content.DiagnosticFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.write(filepath.Join(dir, tc.file)); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(env("INTAKE_DATA_DIR", t.TempDir(), "INTAKE_CONTENT_DIR", dir))
			if err != nil {
				t.Fatal(err)
			}
			a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				a.store.Close()
				t.Fatal("the app started")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tc.want)) {
				t.Errorf("the error does not name %s: %v", filepath.Join(dir, tc.want), err)
			}
		})
	}
	if _, err := loadConfig(env("INTAKE_CONTENT_DIR", filepath.Join(t.TempDir(), "missing"))); err == nil || !strings.Contains(err.Error(), "INTAKE_CONTENT_DIR") {
		t.Errorf("a missing content folder was accepted: %v", err)
	}
}
