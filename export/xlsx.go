package export

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// MaxXLSXContacts is the most contacts an XLSX export can hold: a
// worksheet has 1,048,576 rows and the header takes one.
const MaxXLSXContacts = excelize.TotalRows - 1

// ErrTooManyForXLSX means more contacts matched than a worksheet holds.
var ErrTooManyForXLSX = fmt.Errorf("more than %d contacts match: a spreadsheet cannot hold them, export CSV instead", MaxXLSXContacts)

// writeXLSX streams rows to a worksheet, which excelize keeps in a
// temporary file past a few megabytes, then zips the workbook into w.
func writeXLSX(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req Request) (int64, error) {
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
	header := Header(def)
	values := make([]any, 0, len(header))
	for _, h := range header {
		values = append(values, h)
	}
	if err := sw.SetRow("A1", values); err != nil {
		return 0, err
	}
	cells := make([]cell, 0, len(header))
	row := 1
	n, err := store.ExportContacts(ctx, req.Filter, dimensionIDs(def), 0, func(chunk []models.ExportContact) error {
		if row+len(chunk) > excelize.TotalRows {
			return ErrTooManyForXLSX
		}
		for i := range chunk {
			cells = contactCells(&chunk[i], cells[:0])
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
