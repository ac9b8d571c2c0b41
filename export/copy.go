package export

import (
	"context"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// copyRows takes the rows from one COPY on PostgreSQL (models.ExportCopy)
// and writes the same cells chunkRows would make of them, without a value
// boxed or a row scanned on the way. AfterChunk runs every
// models.ExportChunkSize rows, as it does between chunks.
func copyRows(ctx context.Context, store *models.Store, def *diagnostic.Definition, cw rowWriter, req Request) (int64, error) {
	dims := len(def.Dimensions)
	cells := make([]cell, 0, len(Header(def)))
	var written int64
	n, err := store.ExportCopy(ctx, req.Filter, dimensionIDs(def), func(f []string) error {
		// f's strings live only during the call: record copies them out.
		cells = copyCells(f, dims, cells[:0])
		cw.record(cells)
		written++
		if written%models.ExportChunkSize == 0 {
			return cw.afterChunk(req, written)
		}
		return nil
	})
	if err == nil && written%models.ExportChunkSize != 0 {
		err = cw.afterChunk(req, written)
	}
	return n, err
}
