package chart

import "github.com/stellapop/intake/diagnostic"

// LevelColours are the score levels' colours (green, amber, red), as
// static/css/site.css sets them for the result page's chart. The email and
// the result PDF cannot use the stylesheet, so they take the colours from
// here; TestBarColoursAreTheChartColours reads site.css and fails when the
// two part.
var LevelColours = map[string]string{
	diagnostic.LevelHigh: "#2e7d4f",
	diagnostic.LevelMid:  "#b26a00",
	diagnostic.LevelLow:  "#b3261e",
}

// TrackColour is the empty part of a bar, and TextColour the labels and
// values beside it (site.css: .chart-track, .chart-label).
const (
	TrackColour = "#e3e7ec"
	TextColour  = "#1b1f24"
)
