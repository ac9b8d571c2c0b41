package report

import (
	"fmt"
	"strconv"

	"github.com/stellapop/intake/team"
)

// ruleColour draws the team table's lines.
const ruleColour = "#d5d1c8"

// teamSection writes the team's pooled view: its index and band, a row per
// dimension (the reader's score, the team's average, how far the team
// agrees) and where the team sees things differently. Averages and
// spreads only, never one colleague's answers. It starts a page of its own
// unless its table fits on this one.
func (d *doc) teamSection(r *team.Report) {
	d.keep(30 + float64(len(r.Dimensions))*lineHeight(resultBody)*1.3)
	d.heading("How your team sees your manager", resultHeading)
	d.para(fmt.Sprintf("Pooled from %d colleagues’ answers. Only averages and how far the team agrees are shown, never one person’s answers.", r.Answers), resultBody, mutedColour)
	d.Ln(2)
	d.style(true, 16, inkColour)
	index := strconv.Itoa(r.Index)
	d.CellFormat(d.GetStringWidth(index)+1, lineHeight(16), index, "", 0, "L", false, 0, "")
	d.style(false, 11, mutedColour)
	d.CellFormat(0, lineHeight(16), "/100 the team’s leadership index: "+r.Band.Title, "", 1, "L", false, 0, "")
	d.Ln(2)

	cols := []struct {
		title string
		width float64
		align string
	}{{"Dimension", 62, "L"}, {"You", 20, "R"}, {"Team", 20, "R"}, {"", 8, "L"}, {"Agreement", textWidth - 110, "L"}}
	row := func(bold bool, cells ...string) {
		d.style(bold, resultBody, inkColour)
		for i, c := range cols {
			d.CellFormat(c.width, lineHeight(resultBody)*1.2, cells[i], "B", 0, c.align, false, 0, "")
		}
		d.Ln(-1)
	}
	d.SetDrawColor(d.colour(ruleColour))
	row(true, cols[0].title, cols[1].title, cols[2].title, "", cols[4].title)
	for _, v := range r.Dimensions {
		row(false, v.Dimension.Name, strconv.Itoa(v.Own), strconv.Itoa(v.Average), "", fmt.Sprintf("%s (±%d)", v.Agreement, v.Spread))
	}
	d.Ln(2)

	d.keep(20)
	d.style(true, 11.5, inkColour)
	d.MultiCell(textWidth, lineHeight(11.5), "What your team sees differently", "", "L", false)
	if len(r.Differences) == 0 {
		d.para("Your team sees your manager much as you do: no dimension differs by 15 points or more.", resultBody, inkColour)
		return
	}
	for _, v := range r.Differences {
		way := "lower"
		if v.Gap > 0 {
			way = "higher"
		}
		d.para(fmt.Sprintf("%s: your team rates this %d points %s than you (%d against your %d).", v.Dimension.Name, v.Apart, way, v.Average, v.Own), resultBody, inkColour)
	}
}
