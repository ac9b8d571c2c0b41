package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// ExportFormat is a file format the contact export writes.
type ExportFormat string

// The export's formats.
const (
	FormatCSV  ExportFormat = "csv"
	FormatXLSX ExportFormat = "xlsx"
)

// MaxXLSXContacts is the most contacts an XLSX export can hold: a
// worksheet has 1,048,576 rows and the header takes one.
const MaxXLSXContacts = excelize.TotalRows - 1

// ErrTooManyForXLSX means more contacts matched than a worksheet holds.
var ErrTooManyForXLSX = fmt.Errorf("more than %d contacts match: a spreadsheet cannot hold them, export CSV instead", MaxXLSXContacts)

// utf8BOM tells Excel that a CSV file is UTF-8; without it Excel guesses
// the local code page and garbles every accent, emoji and Arabic name.
const utf8BOM = "\uFEFF"

// ExportHeader is the first row of every export, in CSV and XLSX alike:
//
//	lead_id, email, first_name, last_name, company, role, team_size, band,
//	index, score_<dimension> (one per dimension, in the diagnostic's order),
//	marketing_consent_at, consent_wording_version, landing_page, referrer,
//	utm_source, utm_medium, utm_campaign, utm_term, utm_content, status,
//	owner_email, created_at
//
// Columns are only ever added, at the end or among the scores when the
// diagnostic gains a dimension, so scripts that read by name keep working.
func ExportHeader(def *diagnostic.Definition) []string {
	h := []string{"lead_id", "email", "first_name", "last_name", "company", "role", "team_size", "band", "index"}
	for _, d := range def.Dimensions {
		h = append(h, "score_"+d.ID)
	}
	return append(h, "marketing_consent_at", "consent_wording_version", "landing_page", "referrer",
		"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "status", "owner_email", "created_at")
}

// SafeCell makes text safe to open in a spreadsheet: a value that starts
// with =, +, -, @, tab or carriage return would run as a formula (CSV
// injection), so it gets a leading apostrophe, which spreadsheets show as
// text and people still read. Anything else comes back unchanged.
func SafeCell(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// startsFormula reports whether SafeCell would neutralise s.
func startsFormula(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}

// SplitName splits a stored name at its last space: "Mary Ann Smith" is
// "Mary Ann" and "Smith"; a single word is a first name only.
func SplitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		return strings.TrimSpace(name[:i]), name[i+1:]
	}
	return name, ""
}

// ExportRequest is one export to write and log.
type ExportRequest struct {
	Format   ExportFormat
	ExcelBOM bool // CSV only: start with a UTF-8 byte-order mark for Excel
	Filter   models.ExportFilter
	ActorID  *int64 // the signed-in user; nil from the command line
	Actor    string // the user's email, or "cli"
	// AfterChunk, if set, runs after each chunk is written, with the rows
	// written so far: the web flushes a CSV response there, so the
	// download moves as it goes, and the command line reports progress.
	AfterChunk func(rows int64) error
}

// exportLogFilters is what the audit log keeps of a request, as JSON.
type exportLogFilters struct {
	Format ExportFormat `json:"format"`
	models.ExportFilter
}

// WriteExport writes the contacts req chooses to w and records the export
// in the audit log. The log entry is made before the first row leaves, so
// no export goes unrecorded, and it gets the rows written at the end, also
// when writing fails part way: those rows have left all the same.
func WriteExport(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req ExportRequest) (int64, error) {
	if req.Format != FormatCSV && req.Format != FormatXLSX {
		return 0, fmt.Errorf("export: unknown format %q", req.Format)
	}
	filters, err := json.Marshal(exportLogFilters{Format: req.Format, ExportFilter: req.Filter})
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	entry := &models.ExportLog{ActorID: req.ActorID, Actor: req.Actor, Filters: string(filters)}
	if err := store.LogExport(ctx, entry); err != nil {
		return 0, err
	}
	write := writeCSV
	if req.Format == FormatXLSX {
		write = writeXLSX
	}
	n, err := write(ctx, store, def, w, req)
	// The client may have gone, cancelling ctx; the count must land anyway.
	if logErr := store.SetExportRowCount(context.WithoutCancel(ctx), entry.ID, n); logErr != nil {
		err = errors.Join(err, logErr)
	}
	return n, err
}

func writeCSV(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req ExportRequest) (int64, error) {
	if req.ExcelBOM {
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return 0, err
		}
	}
	// Records end in LF, not RFC 4180's CRLF: encoding/csv's CRLF mode drops
	// every carriage return inside a value, and spreadsheets read LF fine.
	if store.CanCopyExport() {
		return writeCSVCopy(ctx, store, def, w, req)
	}
	return writeCSVChunks(ctx, store, def, w, req)
}

// writeCSVChunks writes a CSV export from ExportContacts, a chunk at a
// time: the way on SQLite.
func writeCSVChunks(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req ExportRequest) (int64, error) {
	cw := csv.NewWriter(w)
	header := ExportHeader(def)
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	cells := make([]exportCell, 0, len(header))
	record := make([]string, 0, len(header))
	var written int64
	n, err := store.ExportContacts(ctx, req.Filter, dimensionIDs(def), 0, func(chunk []models.ExportContact) error {
		for i := range chunk {
			cells = exportCells(&chunk[i], cells[:0])
			record = record[:0]
			for _, c := range cells {
				record = append(record, c.csv())
			}
			if err := cw.Write(record); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		written += int64(len(chunk))
		if req.AfterChunk != nil {
			return req.AfterChunk(written)
		}
		return nil
	})
	cw.Flush()
	return n, errors.Join(err, cw.Error())
}

// writeXLSX streams rows to a worksheet, which excelize keeps in a
// temporary file past a few megabytes, then zips the workbook into w.
func writeXLSX(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req ExportRequest) (int64, error) {
	book := excelize.NewFile()
	defer book.Close()
	const sheet = "Contacts"
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	// Keep the header in view while scrolling.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	header := ExportHeader(def)
	values := make([]any, 0, len(header))
	for _, h := range header {
		values = append(values, h)
	}
	if err := sw.SetRow("A1", values); err != nil {
		return 0, err
	}
	cells := make([]exportCell, 0, len(header))
	row := 1
	n, err := store.ExportContacts(ctx, req.Filter, dimensionIDs(def), 0, func(chunk []models.ExportContact) error {
		if row+len(chunk) > excelize.TotalRows {
			return ErrTooManyForXLSX
		}
		for i := range chunk {
			cells = exportCells(&chunk[i], cells[:0])
			values = values[:0]
			for _, c := range cells {
				values = append(values, c.xlsx())
			}
			row++
			if err := sw.SetRow("A"+strconv.Itoa(row), values); err != nil {
				return err
			}
		}
		if req.AfterChunk != nil {
			return req.AfterChunk(int64(row - 1))
		}
		return nil
	})
	// Nothing leaves before the workbook is whole, so an export that
	// stops short has written no one.
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return 0, err
	}
	return n, book.Write(w)
}

func dimensionIDs(def *diagnostic.Definition) []string {
	ids := make([]string, len(def.Dimensions))
	for i, d := range def.Dimensions {
		ids[i] = d.ID
	}
	return ids
}

// exportCell is one cell of a row: a number, or text. Typed rather than an
// interface, so a million rows box no values on their way to a CSV.
type exportCell struct {
	text  string
	num   int64
	isNum bool
}

func number(n int64) exportCell { return exportCell{num: n, isNum: true} }

// text is user text, neutralised for spreadsheets.
func text(s string) exportCell { return exportCell{text: SafeCell(s)} }

func (c exportCell) csv() string {
	if c.isNum {
		return strconv.FormatInt(c.num, 10)
	}
	return c.text
}

// xlsx is the cell's value for excelize: a number stays a number, and an
// empty cell is left out rather than written as empty text.
func (c exportCell) xlsx() any {
	switch {
	case c.isNum:
		return c.num
	case c.text == "":
		return nil
	}
	return c.text
}

// exportCells appends c's row in ExportHeader's order.
func exportCells(c *models.ExportContact, cells []exportCell) []exportCell {
	first, last := SplitName(c.Name)
	team := exportCell{}
	if c.TeamSize != nil {
		team = number(int64(*c.TeamSize))
	}
	cells = append(cells, number(c.ID), text(c.Email), text(first), text(last),
		text(c.Company), text(c.Role), team, text(c.Band), number(int64(c.Index)))
	for _, s := range c.Scores {
		if s.Valid {
			cells = append(cells, number(s.Int64))
		} else {
			cells = append(cells, exportCell{})
		}
	}
	consentAt := exportCell{}
	if c.ConsentAt != nil {
		consentAt.text = c.ConsentAt.UTC().Format(time.RFC3339)
	}
	src := c.Source
	return append(cells, consentAt, text(c.ConsentVersion), text(src.LandingPage), text(src.Referrer),
		text(src.UTMSource), text(src.UTMMedium), text(src.UTMCampaign), text(src.UTMTerm), text(src.UTMContent),
		text(c.Status), text(c.OwnerEmail), exportCell{text: c.CreatedAt.UTC().Format(time.RFC3339)})
}
