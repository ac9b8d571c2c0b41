package content

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Article is a Markdown article rendered once, split into its sections so
// pages can place calls to action between them.
type Article struct {
	Title       string
	Slug        string
	Author      string
	Description string    // the opening paragraph, shortened for search results
	Related     []string  // "See also" titles
	Sections    []Section // the untitled introduction first, then one per h2
}

// Section is an article's introduction or one of its h2 sections.
type Section struct {
	ID    string        // the heading's anchor; empty for the introduction
	Title string        // the heading's text; empty for the introduction
	Body  template.HTML // the rendered section, heading included
}

// HasSection reports whether the article has a section with the anchor id.
func (a *Article) HasSection(id string) bool {
	for _, s := range a.Sections {
		if s.ID == id && id != "" {
			return true
		}
	}
	return false
}

// ParseArticle renders an article: YAML-style front matter (title, slug,
// author, related list) followed by Markdown. Raw HTML in the Markdown is
// not rendered.
func ParseArticle(src []byte) (*Article, error) {
	meta, body, err := splitFrontMatter(src)
	if err != nil {
		return nil, err
	}
	a := &Article{Title: meta.scalars["title"], Slug: meta.scalars["slug"], Author: meta.scalars["author"], Related: meta.lists["related"]}
	if a.Title == "" || a.Slug == "" {
		return nil, errors.New("article: front matter needs a title and a slug")
	}

	md := goldmark.New(goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	doc := md.Parser().Parse(text.NewReader(body))
	current := Section{}
	var buf bytes.Buffer
	flush := func() {
		current.Body = template.HTML(buf.String()) // #nosec: goldmark escapes text and drops raw HTML
		a.Sections = append(a.Sections, current)
		buf.Reset()
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level == 2 {
			flush()
			id, _ := h.AttributeString("id")
			idText, _ := id.([]byte)
			current = Section{ID: string(idText), Title: string(nodeText(h, body))}
		}
		if p, ok := n.(*ast.Paragraph); ok && a.Description == "" {
			a.Description = shorten(string(nodeText(p, body)), 155)
		}
		if err := md.Renderer().Render(&buf, body, n); err != nil {
			return nil, fmt.Errorf("article: render: %w", err)
		}
	}
	flush()
	return a, nil
}

// nodeText concatenates the text of n's descendants.
func nodeText(n ast.Node, src []byte) []byte {
	var out []byte
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			out = append(out, t.Segment.Value(src)...)
			if t.SoftLineBreak() {
				out = append(out, ' ')
			}
		case *ast.String:
			out = append(out, t.Value...)
		}
		return ast.WalkContinue, nil
	})
	return out
}

// shorten cuts s at a word boundary so it fits in max runes, adding an ellipsis.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max-1])
	if i := strings.LastIndex(cut, " "); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

type frontMatter struct {
	scalars map[string]string
	lists   map[string][]string
}

// splitFrontMatter reads the small subset of YAML the content files use:
// `key: value` scalars and `key:` followed by `  - item` lists, values
// optionally double-quoted.
func splitFrontMatter(src []byte) (frontMatter, []byte, error) {
	fm := frontMatter{scalars: map[string]string{}, lists: map[string][]string{}}
	const fence = "---\n"
	s := string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")))
	if !strings.HasPrefix(s, fence) {
		return fm, []byte(s), nil
	}
	end := strings.Index(s[len(fence):], "\n"+fence)
	if end < 0 {
		return fm, nil, errors.New("article: front matter is not closed with ---")
	}
	head, body := s[len(fence):len(fence)+end], s[len(fence)+end+1+len(fence):]
	sc := bufio.NewScanner(strings.NewReader(head))
	listKey := ""
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		switch {
		case strings.TrimSpace(l) == "":
		case strings.HasPrefix(strings.TrimSpace(l), "- ") && listKey != "":
			fm.lists[listKey] = append(fm.lists[listKey], unquote(strings.TrimSpace(l)[2:]))
		default:
			key, value, ok := strings.Cut(l, ":")
			if !ok || strings.HasPrefix(l, " ") {
				return fm, nil, fmt.Errorf("article: front matter line %d: want `key: value`", line)
			}
			key, value = strings.TrimSpace(key), strings.TrimSpace(value)
			if value == "" {
				listKey = key
				continue
			}
			listKey = ""
			fm.scalars[key] = unquote(value)
		}
	}
	return fm, []byte(body), nil
}

func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
	}
	return v
}
