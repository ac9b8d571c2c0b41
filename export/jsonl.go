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

// writeJSONL writes the contacts a chunk at a time, flushing after each,
// so memory stays flat however many match.
func writeJSONL(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	header := Header(def)
	keys := make([][]byte, len(header))
	for i, h := range header {
		keys[i], _ = json.Marshal(h)
	}
	cells := make([]cell, 0, len(header))
	var line []byte
	var written int64
	_, err := store.ExportContacts(ctx, req.Filter, dimensionIDs(def), 0, func(chunk []models.ExportContact) error {
		for i := range chunk {
			cells = contactCells(&chunk[i], cells[:0])
			line = appendJSONObject(line[:0], keys, cells)
			bw.Write(line)
		}
		written += int64(len(chunk))
		if err := bw.Flush(); err != nil {
			return err
		}
		if req.AfterChunk != nil {
			return req.AfterChunk(written)
		}
		return nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return written, err
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
		default:
			s, _ := json.Marshal(c.s)
			b = append(b, s...)
		}
	}
	return append(b, '}', '\n')
}
