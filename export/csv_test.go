package export_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stellapop/intake/export"
)

// csvCases are text that tests each of encoding/csv's quoting rules.
var csvCases = []string{
	"", "plain", "a,b", `"`, `say "hi"`, "line one\nline two", "x\r\ny", "\rCR", "\tTab", " space", "\u00a0nbsp",
	"\vvtab", "\u3000ideographic", `\.`, `\N`, `back\slash`, "end\\", "=1+1", `=HYPERLINK("x","y")`, "-2,5", "Zoë 🚀",
	"شركة النور", "'quoted",
}

// sameAsEncodingCSV writes fields through the export's CSV writer and
// through encoding/csv, guarded by SafeCell, and compares the bytes.
func sameAsEncodingCSV(t *testing.T, fields ...string) {
	t.Helper()
	var got, want bytes.Buffer
	if err := export.WriteCSVRecord(&got, fields...); err != nil {
		t.Fatal(err)
	}
	guarded := make([]string, len(fields))
	for i, f := range fields {
		guarded[i] = export.SafeCell(f)
	}
	w := csv.NewWriter(&want)
	if err := w.Write(guarded); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got.String() != want.String() {
		t.Fatalf("record %q:\nwrote         %q\nencoding/csv: %q", fields, got.String(), want.String())
	}
}

func TestCSVQuotesAsEncodingCSVDoes(t *testing.T) {
	for _, s := range append(csvCases, formulaCases...) {
		sameAsEncodingCSV(t, s, "between", s)
	}
}

// FuzzCSVField checks, for any text, that the export's one quoting
// routine writes the bytes encoding/csv would of the guarded text, first
// in a record and after a comma alike.
func FuzzCSVField(f *testing.F) {
	for _, s := range append(csvCases, formulaCases...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsEncodingCSV(t, s, s)
	})
}
