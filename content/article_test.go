package content

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestArticleParses(t *testing.T) {
	a, err := ParseArticle(ArticleMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Leadership vs. Management: What’s the Difference?" || a.Slug != "leadership-vs-management" {
		t.Errorf("title %q slug %q", a.Title, a.Slug)
	}
	if len(a.Related) != 3 {
		t.Errorf("related = %q, want three titles", a.Related)
	}
	var ids []string
	for _, s := range a.Sections[1:] {
		ids = append(ids, s.ID)
	}
	want := "leaders-coach managers-direct so-are-all-managers-leaders quick-ways-to-decipher"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("section ids = %q, want %q", got, want)
	}
	if a.Sections[0].ID != "" || !strings.Contains(string(a.Sections[0].Body), "inherently linked") {
		t.Errorf("first section should be the untitled introduction")
	}
	if n := len([]rune(a.Description)); n == 0 || n > 155 {
		t.Errorf("description %q has %d runes, want 1..155", a.Description, n)
	}
}

// TestArticleKeepsEveryWord checks the rendered sections carry the client's
// text word for word: every line of the Markdown body, without its Markdown
// markers, appears in the HTML's text.
func TestArticleKeepsEveryWord(t *testing.T) {
	a, err := ParseArticle(ArticleMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	var rendered strings.Builder
	for _, s := range a.Sections {
		rendered.WriteString(string(s.Body))
	}
	textOnly := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(rendered.String(), ""))
	_, body, _ := splitFrontMatter(ArticleMarkdown)
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(line), "## "), "- ")
		if line == "" {
			continue
		}
		if !strings.Contains(textOnly, line) {
			t.Errorf("rendered article lacks %q", line)
		}
	}
	if strings.Count(rendered.String(), "<h2") != 4 || !strings.Contains(rendered.String(), "<ul>") {
		t.Errorf("want four h2 sections and a list, got:\n%s", rendered.String())
	}
}

func TestArticleRefusesRawHTML(t *testing.T) {
	a, err := ParseArticle([]byte("---\ntitle: T\nslug: t\n---\nHello <script>alert(1)</script>\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(a.Sections[0].Body), "<script>") {
		t.Errorf("raw HTML passed through: %s", a.Sections[0].Body)
	}
}

func TestFrontMatterErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed": "---\ntitle: T\n",
		"no title": "---\nslug: t\n---\nbody\n",
		"bad line": "---\ntitle T\n---\nbody\n",
	} {
		if _, err := ParseArticle([]byte(src)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func BenchmarkParseArticle(b *testing.B) {
	for b.Loop() {
		if _, err := ParseArticle(ArticleMarkdown); err != nil {
			b.Fatal(err)
		}
	}
}
