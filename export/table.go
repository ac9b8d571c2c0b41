package export

import (
	"bufio"
	"io"
)

// Cell is one cell of a Table: text a visitor or person typed (guarded
// against spreadsheet formulas), our own text, or a whole number.
type Cell = cell

// Text is a cell of text from outside (a UTM value, a name): SafeCell
// guards it in the file.
func Text(s string) Cell { return text(s) }

// Plain is a cell of our own text (a label, a date, a percentage).
func Plain(s string) Cell { return plain(s) }

// Number is a cell holding a whole number.
func Number(n int64) Cell { return number(n) }

// Table is a small report as a spreadsheet: a header and its rows.
type Table struct {
	Header []string
	Rows   [][]Cell
}

// WriteTableCSV writes t as CSV with the export's quoting and cell guard,
// starting with a byte-order mark for Excel when bom is set.
func WriteTableCSV(w io.Writer, t Table, bom bool) error {
	cw := &csvWriter{bw: bufio.NewWriter(w)}
	if bom {
		cw.bw.WriteString(utf8BOM)
	}
	header := make([]cell, len(t.Header))
	for i, h := range t.Header {
		header[i] = plain(h)
	}
	cw.record(header)
	for _, r := range t.Rows {
		cw.record(r)
	}
	return cw.bw.Flush()
}
