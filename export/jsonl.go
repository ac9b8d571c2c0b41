package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strconv"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// JSONL is JSON Lines: one object per contact, keyed by Header's names, for
// the API. Numbers stay numbers, an empty cell is null, and text is as
// typed: the spreadsheet guard is for spreadsheets, not for programs.
const JSONL Format = "jsonl"

// writeJSONL writes the contacts from the store's fastest row source (one
// COPY on PostgreSQL, chunks elsewhere), flushing after each chunk, so
// memory stays flat however many match. Both sources give the same bytes.
func writeJSONL(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	return writeJSONLFrom(ctx, store, def, w, req, rowsFor(store))
}

func writeJSONLFrom(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request, rows rowSource) (int64, error) {
	header := Header(def)
	jw := &jsonlWriter{bw: bufio.NewWriterSize(w, 64<<10), keys: make([][]byte, len(header))}
	for i, h := range header {
		jw.keys[i], _ = json.Marshal(h)
	}
	n, err := rows(ctx, store, def, jw, req)
	if ferr := jw.bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

// jsonlWriter writes each row as one JSON object keyed by Header's names.
type jsonlWriter struct {
	bw   *bufio.Writer
	keys [][]byte
	line []byte
}

func (j *jsonlWriter) record(cells []cell) {
	j.line = appendJSONObject(j.line[:0], j.keys, cells)
	j.bw.Write(j.line)
}

func (j *jsonlWriter) afterChunk(req Request, written int64) error {
	if err := j.bw.Flush(); err != nil {
		return err
	}
	if req.AfterChunk != nil {
		return req.AfterChunk(written)
	}
	return nil
}

// appendJSONObject appends one line: {"key":value,…}\n.
func appendJSONObject(b []byte, keys [][]byte, cells []cell) []byte {
	b = append(b, '{')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, keys[i]...)
		b = append(b, ':')
		switch {
		case c.kind == numberKind:
			b = strconv.AppendInt(b, c.n, 10)
		case c.s == "":
			b = append(b, "null"...)
		case c.kind == numeralKind:
			b = append(b, c.s...)
		default:
			b = appendJSONString(b, c.s)
		}
	}
	return append(b, '}', '\n')
}

// appendJSONString appends s as encoding/json writes it. Most values are
// printable ASCII that needs no escape, written as they are; the rest go
// through encoding/json, whose escapes (of <, > and &, of U+2028 and
// U+2029, of invalid UTF-8) are then the only ones.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
