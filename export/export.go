// Package export writes the contacts marketing takes away, as CSV or XLSX,
// for the workspace's download and for `intake export` alike: the columns,
// the spreadsheet cell guard, the filter rules and both ways of streaming
// rows. The queries themselves are models'.
package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Format is a file format an export is written in.
type Format string

// The export's formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Request is one export to write and log.
type Request struct {
	Format   Format
	ExcelBOM bool // CSV only: start with a UTF-8 byte-order mark for Excel
	Filter   models.ExportFilter
	ActorID  *int64 // the signed-in user; nil from the command line
	Actor    string // the user's email, or "cli"
	// AfterChunk, if set, runs after each chunk is written, with the rows
	// written so far: the web flushes a CSV response there, so the
	// download moves as it goes, and the command line reports progress.
	AfterChunk func(rows int64) error
}

// logFilters is what the audit log keeps of a request, as JSON.
type logFilters struct {
	Format Format `json:"format"`
	models.ExportFilter
}

// Write writes the contacts req chooses to w and records the export in
// the audit log. The log entry is made before the first row leaves, so no
// export goes unrecorded, and it gets the rows written at the end, also
// when writing fails part way: those rows have left all the same.
func Write(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
	write := writeCSV
	switch req.Format {
	case CSV:
	case XLSX:
		write = writeXLSX
	case JSONL:
		write = writeJSONL
	default:
		return 0, fmt.Errorf("export: unknown format %q", req.Format)
	}
	filters, err := json.Marshal(logFilters{Format: req.Format, ExportFilter: req.Filter})
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	entry := &models.ExportLog{ActorID: req.ActorID, Actor: req.Actor, Filters: string(filters)}
	if err := store.LogExport(ctx, entry); err != nil {
		return 0, err
	}
	n, err := write(ctx, store, def, w, req)
	// The client may have gone, cancelling ctx; the count must land anyway.
	if logErr := store.SetExportRowCount(context.WithoutCancel(ctx), entry.ID, n); logErr != nil {
		err = errors.Join(err, logErr)
	}
	return n, err
}
