package main

import (
	"fmt"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
)

// siteContent is the firm's content, parsed and checked.
type siteContent struct {
	article *content.Article
	def     *diagnostic.Definition
	consent *diagnostic.Consent
}

// loadContent reads the content (the built-in files, each replaced by its
// namesake in dir when dir has one), parses and validates every file, and
// checks that they agree: each dimension's advice links to a section the
// article has. Every error names the file at fault.
func loadContent(dir string) (*siteContent, error) {
	files, err := content.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	article, err := content.ParseArticle(files.Article.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files.Article.Path, err)
	}
	def, err := diagnostic.Parse(files.Diagnostic.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files.Diagnostic.Path, err)
	}
	for _, d := range def.Dimensions {
		if !article.HasSection(d.Advice.Section) {
			return nil, fmt.Errorf("%s: dimension %q: advice links to section %q, which the article (%s) does not have",
				files.Diagnostic.Path, d.ID, d.Advice.Section, files.Article.Path)
		}
	}
	consent, err := diagnostic.ParseConsent(files.Consent.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files.Consent.Path, err)
	}
	return &siteContent{article: article, def: def, consent: consent}, nil
}

// loadDiagnostic is the diagnostic's definition alone, from the same files,
// for the commands that need only it.
func loadDiagnostic(dir string) (*diagnostic.Definition, error) {
	files, err := content.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	def, err := diagnostic.Parse(files.Diagnostic.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files.Diagnostic.Path, err)
	}
	return def, nil
}
