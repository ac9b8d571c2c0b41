// Package report makes Intake's PDFs: the result a prospect downloads and
// the brief a consultant takes into the first call. Both are drawn with
// fpdf's primitives (text, rectangles and links, no images) in an embedded
// DejaVu Sans, so they look the same wherever they are made.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// The typeface: DejaVu Sans covers Latin, Greek, Cyrillic and more, so
// most names print as typed (licence: fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
	// fontLicence must go wherever the fonts go: into the binary, beside them.
	//go:embed fonts/LICENSE
	fontLicence string
)

const family = "DejaVu"

// Page layout, in millimetres on A4.
const (
	pageMargin = 18.0
	pageWidth  = 210.0
	pageHeight = 297.0
	textWidth  = pageWidth - 2*pageMargin
)

// Colours, as the site's stylesheet sets them (static/css/site.css).
const (
	inkColour   = "#1b1f24"
	mutedColour = "#5b6470"
	linkColour  = "#0b57d0"
)

// Maker makes the PDFs. It reads the embedded fonts' character maps once;
// it is safe for concurrent use.
type Maker struct {
	covered map[rune]bool // runes both weights draw
}

// New reads the embedded fonts.
func New() (*Maker, error) {
	// Checked here so that the licence stays in the binary with the fonts.
	if !strings.Contains(fontLicence, "Bitstream Vera") {
		return nil, fmt.Errorf("report: the fonts' licence is missing")
	}
	regular, err := fontRunes(regularTTF)
	if err != nil {
		return nil, fmt.Errorf("regular font: %w", err)
	}
	bold, err := fontRunes(boldTTF)
	if err != nil {
		return nil, fmt.Errorf("bold font: %w", err)
	}
	covered := make(map[rune]bool, len(regular))
	for r := range regular {
		if bold[r] {
			covered[r] = true
		}
	}
	return &Maker{covered: covered}, nil
}

// Printable reports whether every letter of s prints in the PDFs' font, so
// that a name in a script the font lacks is left out rather than printed
// as empty boxes.
func (m *Maker) Printable(s string) bool {
	for _, r := range s {
		if !m.covered[r] && !isSpace(r) {
			return false
		}
	}
	return true
}

// fit keeps what the font prints of s, marking each run of runes it lacks
// with "[…]": for free text such as notes, where leaving out the whole
// text would lose more than it saves.
func (m *Maker) fit(s string) string {
	if m.Printable(s) {
		return s
	}
	var b strings.Builder
	lacking := false
	for _, r := range s {
		if m.covered[r] || isSpace(r) {
			b.WriteRune(r)
			lacking = false
			continue
		}
		if !lacking {
			b.WriteString("[…]")
		}
		lacking = true
	}
	return b.String()
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }

// doc is one PDF being drawn, with the few text styles both PDFs share.
type doc struct {
	*fpdf.Fpdf
}

func newDoc(title string, made time.Time) *doc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(pageMargin, pageMargin, pageMargin)
	pdf.SetAutoPageBreak(true, pageMargin)
	pdf.AddUTF8FontFromBytes(family, "", regularTTF)
	pdf.AddUTF8FontFromBytes(family, "B", boldTTF)
	pdf.SetTitle(title, true)
	pdf.SetAuthor("StellaPop", true)
	pdf.SetCreator("Intake", true)
	pdf.SetCreationDate(made)
	pdf.SetModificationDate(made)
	pdf.AddPage()
	return &doc{pdf}
}

// write finishes the PDF into w.
func (d *doc) write(w io.Writer) error {
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func (d *doc) colour(hex string) (int, int, int) {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)
}

func (d *doc) ink(hex string)  { d.SetTextColor(d.colour(hex)) }
func (d *doc) fill(hex string) { d.SetFillColor(d.colour(hex)) }

// style sets the font, its size in points and its colour.
func (d *doc) style(bold bool, size float64, hex string) {
	s := ""
	if bold {
		s = "B"
	}
	d.SetFont(family, s, size)
	d.ink(hex)
}

// lineHeight is a comfortable line for a size in points, in millimetres.
func lineHeight(size float64) float64 { return size * 0.3528 * 1.4 }

// heading writes a section heading with room above it.
func (d *doc) heading(text string, size float64) {
	d.Ln(size * 0.3528 * 0.9)
	d.style(true, size, inkColour)
	d.MultiCell(textWidth, lineHeight(size), text, "", "L", false)
	d.Ln(1)
}

// para writes a paragraph the full text width.
func (d *doc) para(text string, size float64, hex string) {
	d.style(false, size, hex)
	d.MultiCell(textWidth, lineHeight(size), text, "", "L", false)
}

// link writes one line of linked text, underlined in the link colour.
func (d *doc) link(text, url string, size float64) {
	d.SetFont(family, "U", size)
	d.ink(linkColour)
	d.CellFormat(d.GetStringWidth(text), lineHeight(size), text, "", 1, "L", false, 0, url)
}

// keep starts a new page unless h millimetres fit on this one, so that a
// title is never left at the foot of a page without what follows it.
func (d *doc) keep(h float64) {
	if d.GetY()+h > pageHeight-pageMargin {
		d.AddPage()
	}
}
