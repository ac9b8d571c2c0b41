package export_test

import (
	"strings"
	"testing"

	"github.com/stellapop/intake/export"
)

// formulaCases are values a spreadsheet would run, or that a CSV reader
// must carry intact.
var formulaCases = []string{
	"=1+1", "+44 20 7946 0958", "-2", "@SUM(A1)", "\tTab", "\rCR",
	`=HYPERLINK("http://evil.example","click")`, "'already quoted", "plain", "",
	`She said "hi", then left`, "a,b", "line one\nline two", "Zoë 🚀", "شركة النور", "חברת אור", "1+1", " =leading space",
}

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+44 20 7946 0958", "'+44 20 7946 0958"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tTab", "'\tTab"},
		{"\rCR", "'\rCR"},
		{"", ""},
		{"Ada", "Ada"},
		{"1+1", "1+1"},         // a formula only when it starts the cell
		{"'quoted", "'quoted"}, // already text to a spreadsheet
		{"شركة النور", "شركة النور"},             // right-to-left text is left alone
		{"\n=on a new line", "\n=on a new line"}, // a line feed does not start a formula
	} {
		if got := export.SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeCell checks, for any text, that the result never starts a
// formula and is the input itself or the input behind one apostrophe.
func FuzzSafeCell(f *testing.F) {
	for _, s := range formulaCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := export.SafeCell(in)
		if out != "" && strings.ContainsRune("=+-@\t\r", rune(out[0])) {
			t.Fatalf("SafeCell(%q) = %q starts a formula", in, out)
		}
		if out != in && out != "'"+in {
			t.Fatalf("SafeCell(%q) = %q: not the input, nor the input behind an apostrophe", in, out)
		}
		if out == in && in != "" && strings.ContainsRune("=+-@\t\r", rune(in[0])) {
			t.Fatalf("SafeCell(%q) left a formula as it was", in)
		}
	})
}
