package report

import "github.com/stellapop/intake/chart"

// chartScale is millimetres per chart unit: the result page's 400-unit
// chart becomes 120 mm wide, its 14-unit labels about 12 points.
const chartScale = 0.3

// drawChart draws ch, laid out by the chart package in the units the
// result page's SVG uses, at the current position, as vector shapes in
// the score levels' colours; it moves below the chart.
func (d *doc) drawChart(ch chart.BarChart) {
	x, y, k := d.GetX(), d.GetY(), chartScale
	textSize := 14 * k / 0.3528 // the SVG's 14-unit text, in points
	for _, b := range ch.Bars {
		d.style(false, textSize, chart.TextColour)
		d.Text(x, y+float64(b.LabelY)*k, b.Label)
		barY, h := y+float64(b.BarY)*k, float64(ch.BarHeight)*k
		d.fill(chart.TrackColour)
		d.bar(x, barY, float64(ch.TrackWidth)*k, h)
		d.fill(chart.LevelColours[b.Level])
		d.bar(x, barY, float64(b.BarWidth)*k, h)
		d.style(true, textSize, chart.TextColour)
		d.Text(x+float64(ch.Width)*k-d.GetStringWidth(b.Value), y+float64(b.ValueY)*k, b.Value)
	}
	d.SetY(y + float64(ch.Height)*k)
}

// bar fills a rectangle with the SVG's 4-unit rounded corners, smaller
// when the bar is too short for them.
func (d *doc) bar(x, y, w, h float64) {
	r := min(4*chartScale, w/2, h/2)
	d.RoundedRect(x, y, w, h, r, "1234", "F")
}
