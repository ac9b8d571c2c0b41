package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The content files' names, the same in the binary and in a content folder.
const (
	ArticleFile    = "leadership-vs-management.md"
	DiagnosticFile = "diagnostic.json"
	ConsentFile    = "consent.json"
)

// File is one content file: where it was read from, for messages that name
// it, and its bytes.
type File struct {
	Path string
	Data []byte
}

// Files are the content files in use.
type Files struct {
	Article, Diagnostic, Consent File
}

// Load reads the content: each file dir holds replaces the built-in one,
// and the built-in ones fill the rest. dir "" means the built-in files
// only. A file there that cannot be read is an error naming it.
func Load(dir string) (Files, error) {
	files := Files{
		Article:    File{Path: "content/" + ArticleFile, Data: ArticleMarkdown},
		Diagnostic: File{Path: "content/" + DiagnosticFile, Data: DiagnosticJSON},
		Consent:    File{Path: "content/" + ConsentFile, Data: ConsentJSON},
	}
	if dir == "" {
		return files, nil
	}
	for name, f := range map[string]*File{ArticleFile: &files.Article, DiagnosticFile: &files.Diagnostic, ConsentFile: &files.Consent} {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Files{}, fmt.Errorf("%s: %w", path, err)
		}
		*f = File{Path: path, Data: b}
	}
	return files, nil
}
