package models

import (
	"strings"
	"unicode/utf8"
)

// QueryText makes a value from a query string fit to store and to show:
// PostgreSQL refuses invalid UTF-8 and NUL in text, and at most n runes
// keep an echoed or searched value a sensible size.
func QueryText(s string, n int) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""))
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}
