package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// writeCSVCopy is writeCSV on PostgreSQL: the rows come from one COPY
// (models.ExportCopy) and go out as the same bytes writeCSV makes of them
// (the same cells, SafeCell and SplitName, quoted by encoding/csv's rules),
// without a value boxed or a row scanned on the way.
func writeCSVCopy(ctx context.Context, store *models.Store, def *diagnostic.Definition, w io.Writer, req ExportRequest) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	// The header waits in the buffer with the first rows, so a query that
	// fails at once still leaves the response unsent, free to say why.
	cw := csv.NewWriter(bw)
	if err := cw.Write(ExportHeader(def)); err != nil {
		return 0, err
	}
	cw.Flush()
	dims := len(def.Dimensions)
	var written int64
	n, err := store.ExportCopy(ctx, req.Filter, dimensionIDs(def), func(f []string) error {
		after := f[models.CopyIndex+1+dims:]
		first, last := SplitName(f[models.CopyName])
		csvField(bw, f[models.CopyID], false)
		for _, s := range []string{f[models.CopyEmail], first, last, f[models.CopyCompany], f[models.CopyRole]} {
			csvText(bw, s)
		}
		csvField(bw, f[models.CopyTeamSize], true)
		csvText(bw, f[models.CopyBand])
		csvField(bw, f[models.CopyIndex], true)
		for _, s := range f[models.CopyIndex+1 : models.CopyIndex+1+dims] {
			csvField(bw, s, true)
		}
		csvField(bw, after[models.CopyConsentAt], true)
		for _, s := range after[models.CopyConsentVersion:models.CopyCreatedAt] {
			csvText(bw, s)
		}
		csvField(bw, after[models.CopyCreatedAt], true)
		bw.WriteByte('\n')
		written++
		if written%models.ExportChunkSize == 0 {
			return afterChunk(bw, req, written)
		}
		return nil
	})
	if err == nil && written%models.ExportChunkSize != 0 {
		err = afterChunk(bw, req, written)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

// afterChunk sends what is buffered on, then runs the request's AfterChunk.
func afterChunk(bw *bufio.Writer, req ExportRequest, written int64) error {
	if err := bw.Flush(); err != nil {
		return err
	}
	if req.AfterChunk != nil {
		return req.AfterChunk(written)
	}
	return nil
}

// csvText writes user text neutralised by SafeCell, without building the
// neutralised string.
func csvText(bw *bufio.Writer, s string) {
	if startsFormula(s) {
		// An apostrophe first: the field then never starts with a space,
		// and needs quotes exactly when s does for what it holds.
		bw.WriteByte(',')
		if csvNeedsQuotes(s, false) {
			bw.WriteString(`"'`)
			csvQuoted(bw, s)
			return
		}
		bw.WriteByte('\'')
		bw.WriteString(s)
		return
	}
	csvField(bw, s, true)
}

// csvField writes a field as encoding/csv's Writer does with a comma and
// LF line ends, preceded by a comma unless it is the first.
func csvField(bw *bufio.Writer, s string, comma bool) {
	if comma {
		bw.WriteByte(',')
	}
	if !csvNeedsQuotes(s, true) {
		bw.WriteString(s)
		return
	}
	bw.WriteByte('"')
	csvQuoted(bw, s)
}

// csvQuoted writes s with its quotes doubled, and the closing quote.
func csvQuoted(bw *bufio.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			bw.WriteString(`""`)
		} else {
			bw.WriteByte(s[i])
		}
	}
	bw.WriteByte('"')
}

// csvNeedsQuotes is encoding/csv's rule for a comma: a field is quoted if
// it holds a comma, quote, CR or LF, is `\.`, or (when it starts the
// field) begins with a space of any kind.
func csvNeedsQuotes(s string, starts bool) bool {
	if s == "" {
		return false
	}
	if s == `\.` && starts {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	if !starts {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
