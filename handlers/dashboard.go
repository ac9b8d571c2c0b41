package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/models"
)

type dashboardPage struct {
	adminPage
	WeekStart, MonthStart         string
	LeadsThisWeek, LeadsThisMonth string
	WaitingDays, WindowDays       int
	Waiting                       []waitingView
	WaitingTotal                  string // "" when nobody is waiting
	WaitingPartial                bool   // the list names only the longest waiting
	LinkLeads                     bool   // the viewer may open a lead
	WindowStart                   string
	WindowLeads, OtherSources     string
	Bands, Sources, Funnel        chart.BarChart
	FunnelFirst, FunnelLast       string
	EmbedStarts                   []embedStartsRow
	StepDropOff                   stepDropOffView // dashboard_steps.go
}

// embedStartsRow is one embedding site's starts in the funnel's days.
type embedStartsRow struct {
	Site, Starts string
}

type waitingView struct {
	ID                int64
	Name, Company     string
	Received          string
	WorkingDaysWaited int
}

// Dashboard shows the workspace's overview: this week's and month's leads,
// new leads nobody has picked up, where leads score and come from, and the
// last 30 days' funnel.
func (h *Handlers) Dashboard(c echo.Context) error {
	d, err := h.Store.LoadDashboard(c.Request().Context(), time.Now())
	if err != nil {
		return err
	}
	p := dashboardPage{
		adminPage:      h.newAdminPage(c, "Dashboard", "/admin"),
		WeekStart:      d.WeekStart.Format("Monday 2 January"),
		MonthStart:     d.MonthStart.Format("2 January"),
		LeadsThisWeek:  thousands(d.LeadsThisWeek),
		LeadsThisMonth: thousands(d.LeadsThisMonth),
		WaitingDays:    models.WaitingAfterWorkingDays,
		WindowDays:     models.WindowDays,
		WindowStart:    d.WindowStart.Format("2 January 2006"),
		WindowLeads:    thousands(d.WindowLeads),
		OtherSources:   thousands(d.OtherSources),
		FunnelFirst:    dayTitle(d.Funnel.First),
		FunnelLast:     dayTitle(d.Funnel.Last),
	}
	if u := currentUser(c); u != nil {
		p.LinkLeads = leadsTeam.Allows(u.Role)
	}
	for _, w := range d.Waiting {
		p.Waiting = append(p.Waiting, waitingView{
			ID: w.ID, Name: w.Name, Company: w.Company, Received: w.CreatedAt.UTC().Format("Mon 2 Jan 2006"),
			WorkingDaysWaited: models.WorkingDays(w.CreatedAt, d.Now),
		})
	}
	switch {
	case d.WaitingTotal > models.WaitingCountCap:
		p.WaitingTotal = "More than " + thousands(models.WaitingCountCap)
	case d.WaitingTotal > 0:
		p.WaitingTotal = thousands(d.WaitingTotal)
	}
	p.WaitingPartial = d.WaitingTotal > int64(len(d.Waiting))
	p.Bands = h.bandChart(d)
	p.Sources = sourceChart(d)
	p.Funnel = funnelChart(d.Funnel)
	for _, g := range d.Funnel.EmbedStarts {
		site := g.Value
		if site == "" {
			site = "Not named (a frame opened without its site)"
		}
		p.EmbedStarts = append(p.EmbedStarts, embedStartsRow{Site: site, Starts: thousands(g.Count)})
	}
	if p.StepDropOff, err = h.stepDropOff(c, time.Now()); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "admin/dashboard", p)
}

// bandChart counts leads per band in the diagnostic's order, highest band
// first, with leads of bands the diagnostic no longer has after them.
func (h *Handlers) bandChart(d *models.Dashboard) chart.BarChart {
	counts := map[string]int64{}
	for _, b := range d.Bands {
		counts[b.Value] = b.Count
	}
	var rows []countItem
	for _, b := range h.Diagnostic.Bands {
		rows = append(rows, countItem{Label: b.Title, Count: counts[b.ID]})
		delete(counts, b.ID)
	}
	for _, b := range d.Bands {
		if _, left := counts[b.Value]; left {
			rows = append(rows, countItem{Label: b.Value + " (retired band)", Count: b.Count})
		}
	}
	return newCountChart("bands", fmt.Sprintf("Leads by result band, last %d days", models.WindowDays), rows)
}

func sourceChart(d *models.Dashboard) chart.BarChart {
	var rows []countItem
	for _, s := range d.Sources {
		label := s.Value
		if label == "" {
			label = "direct / none"
		}
		rows = append(rows, countItem{Label: label, Count: s.Count})
	}
	return newCountChart("sources", fmt.Sprintf("Leads by source (utm_source), last %d days, largest first", models.WindowDays), rows)
}

// funnelChart draws the funnel's steps, each with the share of the step
// before it that went on to it: a short percentage on the chart, where a
// phone has little room, and in full in its description.
func funnelChart(f models.Funnel) chart.BarChart {
	steps := []countItem{
		{Label: "Article views", Count: f.ArticleViews},
		{Label: "Diagnostic starts", Count: f.DiagnosticStarts},
		{Label: "Completed diagnostics", Count: f.DiagnosticsCompleted},
		{Label: "Leads", Count: f.Leads},
		{Label: "Won", Count: f.Won},
	}
	for i := 1; i < len(steps); i++ {
		if prev := steps[i-1]; prev.Count > 0 {
			steps[i].Share = percent(steps[i].Count, prev.Count)
			steps[i].Note = steps[i].Share + " of " + strings.ToLower(prev.Label)
		}
	}
	return newCountChart("funnel", fmt.Sprintf("Funnel over the last %d days", models.FunnelDays), steps)
}

// percent is part as a share of whole, to one decimal place.
func percent(part, whole int64) string {
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
}

type countItem struct {
	Label string
	Count int64
	// Share, when set, follows the label on the chart (e.g. "66.7%"), and
	// Note says the same in full for screen readers ("66.7% of article views").
	Share, Note string
}

// Geometry in SVG units: a label line above each bar, the number at its end.
const (
	countChartWidth = 480
	countValueRoom  = 100
	countRow        = 50
	countBarHeight  = 16
	// countLabelRunes is the longest label drawn whole: a phone draws the
	// labels at 20 units, so about 46 characters fill the chart's width.
	// A longer one (a utm_source can be anything a link carries) ends in
	// an ellipsis; the description still says it in full.
	countLabelRunes = 40
)

// newCountChart draws counts as bars, the largest the full width; id
// tells the page's charts apart.
func newCountChart(id, title string, rows []countItem) chart.BarChart {
	ch := chart.BarChart{
		ID: "chart-" + id, Title: title, Empty: "No leads yet.",
		Width: countChartWidth, Height: max(len(rows), 1)*countRow + 4,
		TrackWidth: countChartWidth - countValueRoom, BarHeight: countBarHeight,
	}
	var most int64
	for _, r := range rows {
		most = max(most, r.Count)
	}
	var desc []string
	for i, r := range rows {
		top := i * countRow
		label, said := shorten(r.Label, countLabelRunes), r.Label
		if r.Share != "" {
			// The share stays whole; the label gives way to it.
			suffix := " · " + r.Share
			label = shorten(r.Label, countLabelRunes-utf8.RuneCountInString(suffix)) + suffix
		}
		if r.Note != "" {
			said += " — " + r.Note
		}
		width := 0
		if most > 0 {
			width = int(r.Count * int64(ch.TrackWidth) / most)
			if r.Count > 0 {
				width = max(width, 2)
			}
		}
		ch.Bars = append(ch.Bars, chart.Bar{
			Label: label, Value: thousands(r.Count), Level: "count",
			LabelY: top + 16, BarY: top + 24, BarWidth: width, ValueY: top + 37,
		})
		desc = append(desc, fmt.Sprintf("%s: %s", said, thousands(r.Count)))
	}
	ch.Description = "No data yet."
	if len(desc) > 0 {
		ch.Description = strings.Join(desc, "; ") + "."
	}
	return ch
}

// shorten cuts s to at most n characters, ending in an ellipsis when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// thousands writes n with comma separators, as en-GB readers expect.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// dayTitle turns a YYYY-MM-DD day into "2 March 2026".
func dayTitle(day string) string {
	t, err := time.Parse(models.DayLayout, day)
	if err != nil {
		return day
	}
	return t.Format("2 January 2006")
}
