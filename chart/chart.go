// Package chart lays out horizontal bar charts once, in one unit system,
// for every place that draws them: the pages' inline SVG
// (views/partials/chart.html) and the result PDF (report/) draw the same
// geometry, in the same colours.
package chart

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stellapop/intake/diagnostic"
)

// BarChart is a horizontal bar chart laid out on the server, drawn as
// inline SVG so it shows without JavaScript and in any browser:
// partials/chart.html draws it, for a result's scores and the dashboard's
// counts alike; the result PDF scales the same units to millimetres.
type BarChart struct {
	// ID names the chart's title and description (ID-title, ID-desc), so
	// that several charts on one page stay apart.
	ID, Title, Description string
	Caption                string // below the chart, when it has one
	Empty                  string // shown instead of bars when there are none
	Width, Height          int
	TrackWidth, BarHeight  int
	Bars                   []Bar
}

// Bar is one bar of a BarChart, with its label above it and its value at the end.
type Bar struct {
	Label    string
	Value    string // the number at the bar's end, always shown
	Level    string // the bar's colour: high, mid or low for scores; count for counts
	LabelY   int
	BarY     int
	BarWidth int
	ValueY   int
}

// Score chart geometry, in SVG units: a label line above each bar.
const (
	chartWidth     = 400
	chartValueRoom = 40
	chartRow       = 54
	chartBar       = 18
)

// Scores lays out a result's dimension scores, each bar in its score level.
func Scores(def *diagnostic.Definition, r diagnostic.Result) BarChart {
	track := chartWidth - chartValueRoom
	ch := BarChart{
		ID:         "chart",
		Title:      "Scores by dimension, out of 100",
		Caption:    "Each bar is one of the article’s five contrasts between managing and leading; a longer bar means more leading.",
		Width:      chartWidth,
		Height:     len(r.Dimensions)*chartRow + 4,
		TrackWidth: track,
		BarHeight:  chartBar,
	}
	var desc []string
	for i, d := range r.Dimensions {
		top := i * chartRow
		ch.Bars = append(ch.Bars, Bar{
			Label:    d.Dimension.Name,
			Value:    strconv.Itoa(d.Score),
			Level:    def.LevelFor(d.Score),
			LabelY:   top + 16,
			BarY:     top + 24,
			BarWidth: max(d.Score*track/100, 2),
			ValueY:   top + 38,
		})
		desc = append(desc, fmt.Sprintf("%s: %d", d.Dimension.Name, d.Score))
	}
	ch.Description = strings.Join(desc, "; ") + "."
	return ch
}
