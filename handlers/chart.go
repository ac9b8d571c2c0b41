package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stellapop/intake/diagnostic"
)

// barChart is a horizontal bar chart laid out on the server, drawn as
// inline SVG so it shows without JavaScript and in any browser:
// partials/chart.html draws it, for a result's scores and the dashboard's
// counts alike.
type barChart struct {
	// ID names the chart's title and description (ID-title, ID-desc), so
	// that several charts on one page stay apart.
	ID, Title, Description string
	Caption                string // below the chart, when it has one
	Empty                  string // shown instead of bars when there are none
	Width, Height          int
	TrackWidth, BarHeight  int
	Bars                   []bar
}

type bar struct {
	Label    string
	Value    string // the number at the bar's end, always shown
	Level    string // the bar's colour: high, mid or low for scores; count for counts
	LabelY   int
	BarY     int
	BarWidth int
	ValueY   int
}

// Chart geometry, in SVG units: a label line above each bar.
const (
	chartWidth     = 400
	chartValueRoom = 40
	chartRow       = 54
	chartBar       = 18
)

// scoreChart draws a result's dimension scores, each bar in its score level.
func scoreChart(def *diagnostic.Definition, r diagnostic.Result) barChart {
	track := chartWidth - chartValueRoom
	ch := barChart{
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
		ch.Bars = append(ch.Bars, bar{
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
