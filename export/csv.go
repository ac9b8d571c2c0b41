package export

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// utf8BOM tells Excel that a CSV file is UTF-8; without it Excel guesses
// the local code page and garbles every accent, emoji and Arabic name.
const utf8BOM = "\uFEFF"

// rowSource writes the rows of an export to cw, running req.AfterChunk as
// chunks go out, and returns how many it wrote.
type rowSource func(ctx context.Context, store *models.Store, def *diagnostic.Definition, rw rowWriter, req Request) (int64, error)

// rowWriter is where a rowSource puts rows: the CSV writer or the JSON
// Lines writer.
type rowWriter interface {
	record(cells []cell)
	// afterChunk sends what is buffered on, then runs req.AfterChunk.
	afterChunk(req Request, written int64) error
}

// rowsFor is the store's fastest way to read an export's rows: one COPY on
// PostgreSQL, chunks elsewhere.
func rowsFor(store *models.Store) rowSource {
	if store.CanCopyExport() {
		return copyRows
	}
	return chunkRows
}

// writeCSV writes a CSV export: from one COPY on PostgreSQL, a chunk at a
// time elsewhere, byte for byte the same file either way.
func writeCSV(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	return writeCSVFrom(ctx, store, def, w, req, rowsFor(store))
}

func writeCSVFrom(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request, rows rowSource) (int64, error) {
	cw := &csvWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	// The byte-order mark and the header wait in the buffer with the first
	// rows, so a query that fails at once leaves a response unsent, free
	// to say why.
	if req.ExcelBOM {
		cw.bw.WriteString(utf8BOM)
	}
	header := Header(def)
	cells := make([]cell, len(header))
	for i, h := range header {
		cells[i] = plain(h)
	}
	cw.record(cells)
	n, err := rows(ctx, store, def, cw, req)
	if err != nil && n == 0 {
		return 0, err // nothing sent: the caller can still answer with an error
	}
	// Rows counted are sent, also those after the last chunk when writing
	// stops part way: the audit log says they left.
	if ferr := cw.bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

// chunkRows takes the rows from models.ExportContacts, a chunk at a time:
// the way on SQLite.
func chunkRows(ctx context.Context, store *models.Store, def *diagnostic.Definition, rw rowWriter, req Request) (int64, error) {
	cells := make([]cell, 0, len(Header(def)))
	var written int64
	return store.ExportContacts(ctx, req.Filter, dimensionIDs(def), 0, func(chunk []models.ExportContact) error {
		for i := range chunk {
			cells = contactCells(&chunk[i], cells[:0])
			rw.record(cells)
		}
		written += int64(len(chunk))
		return rw.afterChunk(req, written)
	})
}

// csvWriter writes records as encoding/csv's Writer does with a comma and
// LF line ends, but from typed cells, guarding text as it goes, so no
// value is boxed and no guarded copy of a string is made. Records end in
// LF, not RFC 4180's CRLF: encoding/csv's CRLF mode drops every carriage
// return inside a value, and spreadsheets read LF fine. A write error
// sticks in the buffer and comes back from the next flush.
type csvWriter struct {
	bw  *bufio.Writer
	num []byte // room to format a number in
}

// record writes one row.
func (c *csvWriter) record(cells []cell) {
	for i, x := range cells {
		if i > 0 {
			c.bw.WriteByte(',')
		}
		switch x.kind {
		case numberKind:
			c.num = strconv.AppendInt(c.num[:0], x.n, 10)
			c.bw.Write(c.num)
		case textKind:
			c.field(x.s, startsFormula(x.s))
		default:
			c.field(x.s, false)
		}
	}
	c.bw.WriteByte('\n')
}

// field is the export's one CSV quoting routine: it writes s, behind
// SafeCell's apostrophe when guard is set, quoted when encoding/csv would
// quote the field as written, with its quotes doubled.
func (c *csvWriter) field(s string, guard bool) {
	quote := needsQuotes(s, guard)
	if quote {
		c.bw.WriteByte('"')
	}
	if guard {
		c.bw.WriteByte('\'')
	}
	if !quote {
		c.bw.WriteString(s)
		return
	}
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		c.bw.WriteString(s[:i+1])
		c.bw.WriteByte('"')
		s = s[i+1:]
	}
	c.bw.WriteString(s)
	c.bw.WriteByte('"')
}

// needsQuotes is encoding/csv's rule with a comma: a field is quoted if it
// holds a comma, quote, CR or LF, is `\.`, or begins with a space of any
// kind. A guarded field begins with the apostrophe.
func needsQuotes(s string, guard bool) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	if guard || s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// afterChunk sends what is buffered on, then runs the request's AfterChunk.
func (c *csvWriter) afterChunk(req Request, written int64) error {
	if err := c.bw.Flush(); err != nil {
		return err
	}
	if req.AfterChunk != nil {
		return req.AfterChunk(written)
	}
	return nil
}
