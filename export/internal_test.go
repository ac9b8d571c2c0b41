package export

import (
	"bufio"
	"context"
	"io"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// WriteCSV writes a CSV export without logging it, so the tests can see
// what leaves when the query fails.
var WriteCSV = writeCSV

// WriteCSVChunks writes a CSV export the way SQLite does, whatever the
// store, so the tests can compare the COPY export with it on the same data.
func WriteCSVChunks(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	return writeCSVFrom(ctx, store, def, w, req, chunkRows)
}

// WriteCSVRecord writes one record of user text, guarded, through the
// export's CSV writer, so the tests can hold it against encoding/csv.
func WriteCSVRecord(w io.Writer, fields ...string) error {
	cw := &csvWriter{bw: bufio.NewWriter(w)}
	cells := make([]cell, len(fields))
	for i, f := range fields {
		cells[i] = text(f)
	}
	cw.record(cells)
	return cw.bw.Flush()
}

// WriteJSONLChunks writes a JSON Lines export the way SQLite does,
// whatever the store, to compare with the COPY path on the same data.
func WriteJSONLChunks(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	return writeJSONLFrom(ctx, store, def, w, req, chunkRows)
}

// AppendJSONString is appendJSONString, for holding it against encoding/json.
var AppendJSONString = appendJSONString
