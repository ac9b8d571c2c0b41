// Package content holds the client's words, embedded in the binary: the
// article, the diagnostic's definition and the consent wording.
package content

import _ "embed"

// ArticleMarkdown is the article "Leadership vs. Management: What's the
// Difference?" exactly as the client wrote it.
//
//go:embed leadership-vs-management.md
var ArticleMarkdown []byte

// DiagnosticJSON defines the "Is your manager leading?" diagnostic.
//
//go:embed diagnostic.json
var DiagnosticJSON []byte

// ConsentJSON is the versioned wording of the consents the form asks for.
//
//go:embed consent.json
var ConsentJSON []byte
