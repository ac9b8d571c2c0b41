package static

import (
	"bytes"
	"strings"
)

// minifyCSS drops comments and the whitespace that carries no meaning: runs
// of spaces and newlines become one space, none is kept beside { } ; or ,
// and a ; right before } goes. Everything else is left alone on purpose:
// spaces around + - > and : can matter (calc(), descendant selectors), and
// quoted strings are copied as they are. The source stays readable and
// commented; browsers get the smaller file.
func minifyCSS(src []byte) []byte {
	out := make([]byte, 0, len(src))
	space := false // whitespace or a comment is pending
	put := func(c byte) {
		if space && len(out) > 0 && !isCSSPunct(c) && !isCSSPunct(out[len(out)-1]) {
			out = append(out, ' ')
		}
		space = false
		if c == '}' && len(out) > 0 && out[len(out)-1] == ';' {
			out = out[:len(out)-1]
		}
		out = append(out, c)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				end = len(src)
			}
			i += 2 + end + 1
			space = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
		case c == '"' || c == '\'':
			put(c)
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' && i+1 < len(src) {
					out = append(out, src[i])
					i++
				}
				out = append(out, src[i])
			}
			if i < len(src) {
				out = append(out, c)
			}
		default:
			put(c)
		}
	}
	return out
}

func isCSSPunct(c byte) bool { return strings.IndexByte("{};,", c) >= 0 }
