package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/insights"
)

// insightsPage is what every report shows around its figures: the tabs
// across the reports, the range and filters, and why a value from the URL
// was set aside.
type insightsPage struct {
	adminPage
	Tabs             []navItem
	Params           insights.Params
	FromTitle        string
	ToTitle          string
	Versions         []versionOption
	AllVersions      bool // the report may show every version at once
	Problems         []string
	CSV              string // the download's address, with the same range and filters
	Path             string
	SortBy           []versionOption // the campaign report's sort choices (versionOption: dashboard_steps.go)
	SortDir          []versionOption
	MinLeads         int
	CurrentVersionID string
}

// insightReports are the reports, in the tabs' order.
var insightReports = []struct{ label, path string }{
	{"Campaign results", "/admin/insights/campaigns"},
	{"Answer patterns", "/admin/insights/answers"},
	{"Does the score predict business?", "/admin/insights/outcomes"},
}

// Insights opens the first report.
func (h *Handlers) Insights(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, insightReports[0].path)
}

// newInsightsPage reads the report's range and version from the URL and
// fills the frame of the report at path.
func (h *Handlers) newInsightsPage(c echo.Context, title, path string, allVersions bool) (insightsPage, error) {
	versions, err := h.Store.StatsVersions(c.Request().Context())
	if err != nil {
		return insightsPage{}, err
	}
	current := h.Diagnostic.Version
	def := current
	if allVersions {
		def = ""
	}
	known := versions
	if !slices.Contains(known, current) {
		known = append(slices.Clip(known), current) // the form offers it, leads or not
	}
	params, problems := insights.ParseParams(c.QueryParams(), time.Now(), known, def, allVersions)
	p := insightsPage{
		adminPage: h.newAdminPage(c, title, "/admin/insights"),
		Params:    params, Problems: problems, Path: path, AllVersions: allVersions,
		FromTitle: dayTitle(params.From), ToTitle: dayTitle(params.To),
		MinLeads: insights.FewLeads, CurrentVersionID: current,
	}
	for _, r := range insightReports {
		p.Tabs = append(p.Tabs, navItem{Label: r.label, Href: r.path + "?" + params.Query(), Current: r.path == path})
	}
	if allVersions {
		p.Versions = append(p.Versions, versionOption{Value: "", Label: "Every version", Selected: params.Version == ""})
	}
	listed := false
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		label := v
		if v == current {
			label += " (current)"
			listed = true
		}
		p.Versions = append(p.Versions, versionOption{Value: v, Label: label, Selected: v == params.Version})
	}
	if !listed {
		p.Versions = append(p.Versions, versionOption{Value: current, Label: current + " (current)", Selected: current == params.Version})
	}
	return p, nil
}

// sendTable answers with t as a CSV download named for the report.
func sendTable(c echo.Context, name string, p insights.Params, t export.Table) error {
	var buf bytes.Buffer
	if err := export.WriteTableCSV(&buf, t, c.QueryParam("excel") == "1"); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="stellapop-%s-%s-to-%s.csv"`, name, p.From, p.To))
	noStore(c)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// rateItem is one bar of a chart of rates: Part of Whole.
type rateItem struct {
	Label       string
	Part, Whole int64
	Few         bool // too few leads behind it to mean much
}

// newRateChart draws shares as bars out of 100%, each with its n.
func newRateChart(id, title string, rows []rateItem) chart.BarChart {
	ch := chart.BarChart{
		ID: "chart-" + id, Title: title, Empty: "No leads in this range.",
		Width: countChartWidth, Height: max(len(rows), 1)*countRow + 4,
		TrackWidth: countChartWidth - countValueRoom, BarHeight: countBarHeight,
	}
	var desc []string
	for i, r := range rows {
		top := i * countRow
		rate := insights.Rate(r.Part, r.Whole)
		width := 0
		if r.Whole > 0 {
			width = int(r.Part * int64(ch.TrackWidth) / r.Whole)
			if r.Part > 0 {
				width = max(width, 2)
			}
		}
		suffix := " · n = " + thousands(r.Whole)
		said := fmt.Sprintf("%s: %s of %s leads", r.Label, rate, thousands(r.Whole))
		if r.Few {
			suffix += " (few)"
			said += ", too few to mean much"
		}
		label := shorten(r.Label, countLabelRunes-utf8.RuneCountInString(suffix)) + suffix
		ch.Bars = append(ch.Bars, chart.Bar{
			Label: label, Value: rate, Level: "count",
			LabelY: top + 16, BarY: top + 24, BarWidth: width, ValueY: top + 37,
		})
		desc = append(desc, said)
	}
	ch.Description = "No leads in this range."
	if len(desc) > 0 {
		ch.Description = title + ". " + joinSentences(desc)
	}
	return ch
}

func joinSentences(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return out + "."
}
