package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/team"
)

// maxResultPages is the most pages a result PDF may take: two, and a
// third for an unlocked team view.
func maxResultPages(in Result) int {
	if in.Team != nil {
		return 3
	}
	return 2
}

// Result is what the result PDF shows: a lead's result as the result page
// shows it, with the links it offers.
type Result struct {
	Definition *diagnostic.Definition
	Result     diagnostic.Result // the band and index as stored with the lead
	// Name is the person's full name and FirstName how the PDF greets them;
	// either is left out when the font cannot print it.
	Name, FirstName string
	Taken           time.Time // when the diagnostic was taken
	ArticleURL      string    // the article's absolute address, without a #section
	BookingURL      string
	ResultURL       string          // the result page's absolute address
	Benchmark       *peer.Benchmark // compared with other managers; nil: not shown
	// Team is the team's pooled view once it has unlocked; nil before,
	// and then the PDF says nothing about a team.
	Team *team.Report
}

// Text sizes of the result PDF, in points.
const (
	resultBody    = 10.5
	resultHeading = 14
)

// WriteResult writes the result PDF into w: A4, at most two pages, or
// three with an unlocked team view, which takes a page of its own when it
// does not fit after the result.
func (m *Maker) WriteResult(w io.Writer, in Result) error {
	r := in.Result
	d := newDoc("Your result: "+r.Band.Title, in.Taken)

	d.style(false, 9, mutedColour)
	header := "StellaPop · " + in.Definition.Title
	if in.Name != "" && m.Printable(in.Name) {
		header += " · Prepared for " + in.Name
	}
	d.MultiCell(textWidth, lineHeight(9), header+" · "+in.Taken.UTC().Format("2 January 2006"), "", "L", false)
	d.Ln(4)

	kicker := "Your result"
	if in.FirstName != "" && m.Printable(in.FirstName) {
		kicker += ", " + in.FirstName
	}
	d.style(true, 11, mutedColour)
	d.MultiCell(textWidth, lineHeight(11), kicker, "", "L", false)
	d.style(true, 22, inkColour)
	d.MultiCell(textWidth, lineHeight(22), r.Band.Title, "", "L", false)
	d.Ln(1)
	d.style(true, 20, inkColour)
	index := strconv.Itoa(r.Index)
	d.CellFormat(d.GetStringWidth(index)+1, lineHeight(20), index, "", 0, "L", false, 0, "")
	d.style(false, 11, mutedColour)
	d.CellFormat(0, lineHeight(20), "/100 leadership index", "", 1, "L", false, 0, "")
	d.para(r.Band.Summary, resultBody+0.5, inkColour)

	d.heading("Your manager across the five contrasts", resultHeading)
	ch := chart.Scores(in.Definition, r)
	d.drawChart(ch)
	d.para(ch.Caption, 9, mutedColour)

	if b := in.Benchmark; b != nil {
		d.keep(30)
		d.heading("Compared with other managers", resultHeading)
		d.style(true, resultBody+0.5, inkColour)
		d.MultiCell(textWidth, lineHeight(resultBody+0.5), b.Sentence(), "", "L", false)
		if len(b.Dimensions) > 0 {
			var each []string
			for _, dim := range b.Dimensions {
				each = append(each, fmt.Sprintf("%s %d%%", dim.Name, dim.Percent))
			}
			d.para("On each contrast, higher than: "+strings.Join(each, " · ")+".", resultBody, inkColour)
		}
		d.Ln(1)
		d.para(b.Basis(), 9, mutedColour)
	}

	d.heading("Where your manager leads", resultHeading)
	for _, s := range r.Strengths {
		d.keep(20)
		d.dimensionTitle(s, in.Definition.LevelFor(s.Score))
		d.para(s.Dimension.Description, resultBody, inkColour)
		d.Ln(2)
	}

	d.heading("Two areas to grow", resultHeading)
	for _, s := range r.GrowthAreas {
		d.keep(30)
		d.dimensionTitle(s, in.Definition.LevelFor(s.Score))
		d.para(s.Dimension.Advice.Text, resultBody, inkColour)
		d.link("Read “"+s.Dimension.Advice.SectionTitle+"” in the article", in.ArticleURL+"#"+s.Dimension.Advice.Section, resultBody)
		d.Ln(2)
	}

	if in.Team != nil {
		d.teamSection(in.Team)
	}

	d.keep(40)
	d.heading("Talk it through with a StellaPop consultant", resultHeading)
	d.para("In a free 30-minute conversation we will go through your result and what would help your manager lead as well as they manage.", resultBody, inkColour)
	if in.BookingURL != "" {
		d.Ln(2)
		d.button("Book a conversation", in.BookingURL)
	}
	if in.ResultURL != "" {
		d.Ln(4)
		d.style(false, 9, mutedColour)
		d.CellFormat(d.GetStringWidth("Your result online: "), lineHeight(9), "Your result online: ", "", 0, "L", false, 0, "")
		d.link(in.ResultURL, in.ResultURL, 9)
	}
	if most := maxResultPages(in); d.PageNo() > most {
		return fmt.Errorf("report: the result takes %d pages, more than %d", d.PageNo(), most)
	}
	return d.write(w)
}

// dimensionTitle writes a dimension's name with its score beside it.
func (d *doc) dimensionTitle(s diagnostic.DimensionScore, level string) {
	d.style(true, 11.5, inkColour)
	d.CellFormat(d.GetStringWidth(s.Dimension.Name)+2, lineHeight(11.5), s.Dimension.Name, "", 0, "L", false, 0, "")
	d.style(true, 11.5, chart.LevelColours[level])
	d.CellFormat(0, lineHeight(11.5), strconv.Itoa(s.Score), "", 1, "L", false, 0, "")
}

// button draws a filled, linked call to action.
func (d *doc) button(text, url string) {
	d.style(true, 11, "#ffffff")
	d.fill(linkColour)
	w := d.GetStringWidth(text) + 12
	x, y := d.GetX(), d.GetY()
	d.RoundedRect(x, y, w, 10, 2, "1234", "F")
	d.CellFormat(w, 10, text, "", 1, "C", false, 0, url)
}
