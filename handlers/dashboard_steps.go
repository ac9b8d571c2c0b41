package handlers

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/models"
)

// The dashboard's "Where visitors stop": how many visitors reached each
// step of the diagnostic (diagnostic_steps.go counts them) over a range of
// days and for one diagnostic version, both chosen in the address:
// ?from=YYYY-MM-DD&to=YYYY-MM-DD&version=…, by default the last
// models.FunnelDays days and the current version.

// stepDropOffView is the section's page data (partials/dashboard_steps.html).
type stepDropOffView struct {
	From, To  string // the days shown, YYYY-MM-DD, as the form's values
	Version   string
	Versions  []versionOption
	Problems  []string // what in the address could not be used, and what is shown instead
	DaysTitle string   // "1 November 2026 to 30 November 2026"
	Chart     chart.BarChart
	Rows      []stepRowView
	// Counted is false when no step was counted for the version in these
	// days: visitors had no JavaScript, or none came.
	Counted bool
}

type versionOption struct {
	Value, Label string
	Selected     bool
}

// stepRowView is one row of the section's table.
type stepRowView struct {
	Label, Reached, OfStarts, Lost string
}

// stepDropOff reads the section's choices from the address and loads its
// counts. A choice it cannot use is said in Problems, never an error page.
func (h *Handlers) stepDropOff(c echo.Context, now time.Time) (stepDropOffView, error) {
	q := c.QueryParams()
	v := stepDropOffView{Version: strings.TrimSpace(q.Get("version"))}
	first, last := stepDays(q, now, &v.Problems)
	v.From, v.To = first.Format(models.DayLayout), last.Format(models.DayLayout)
	v.DaysTitle = first.Format("2 January 2006") + " to " + last.Format("2 January 2006")
	current := h.Diagnostic.Version
	if v.Version == "" {
		v.Version = current
	}
	sc, err := h.Store.LoadStepCounts(c.Request().Context(), v.From, v.To)
	if err != nil {
		return v, err
	}
	v.Versions = versionOptions(current, v.Version, sc.Versions())
	reached := sc.Reached[v.Version]
	v.Counted = len(reached) > 0
	// An older version shows as many steps as it has counted: its
	// definition is gone, and with it how many steps it had.
	steps := 0
	for n := range reached {
		steps = max(steps, n)
	}
	if v.Version == current {
		steps = stepCount(h.Diagnostic)
	}

	items := []countItem{{Label: "Opened the diagnostic", Count: sc.Starts}}
	for n := 1; n <= steps; n++ {
		items = append(items, countItem{Label: h.stepLabel(v.Version, n, steps), Count: reached[n]})
	}
	items = append(items,
		countItem{Label: "Sent every answer", Count: sc.Completed},
		countItem{Label: "Became a lead", Count: sc.Leads})
	for i := range items {
		it := &items[i]
		row := stepRowView{Label: it.Label, Reached: thousands(it.Count), OfStarts: "–", Lost: "–"}
		if sc.Starts > 0 {
			it.Share = percent(it.Count, sc.Starts)
			it.Note = it.Share + " of those who opened it"
			row.OfStarts = it.Share
		}
		if i > 0 {
			row.Lost = lostSince(items[i-1].Count, it.Count)
		}
		v.Rows = append(v.Rows, row)
	}
	v.Chart = newCountChart("steps", fmt.Sprintf("Visitors reaching each step of version %s, %s", v.Version, v.DaysTitle), items)
	return v, nil
}

// stepLabel names step n of steps: for the current version what it asks.
func (h *Handlers) stepLabel(version string, n, steps int) string {
	label := fmt.Sprintf("Step %d", n)
	if version != h.Diagnostic.Version {
		return label
	}
	if n == steps {
		return label + ": contact details"
	}
	from := (n-1)*questionsPerStep + 1
	to := min(n*questionsPerStep, len(h.Diagnostic.Questions))
	return fmt.Sprintf("%s: questions %d–%d", label, from, to)
}

// lostSince is how many fewer reached a step than the one before it, and
// what share of that one they were. More is "none": starts and finishes
// count visitors without JavaScript too, who send no step.
func lostSince(before, now int64) string {
	if now >= before {
		return "none"
	}
	return fmt.Sprintf("%s (%s)", thousands(before-now), percent(before-now, before))
}

// stepDays are the first and last day (UTC) the address asks for: from
// and to, or FunnelDays days from one of them, or the last FunnelDays
// days. A range it cannot use is added to problems, and the last
// FunnelDays days are shown instead.
func stepDays(q url.Values, now time.Time, problems *[]string) (first, last time.Time) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	span := models.FunnelDays - 1
	from, fromOK := readDay(q, "from", "From", problems)
	to, toOK := readDay(q, "to", "To", problems)
	first, last = today.AddDate(0, 0, -span), today
	switch {
	case !fromOK || !toOK:
	case from != nil && to != nil:
		first, last = *from, *to
	case from != nil:
		first, last = *from, from.AddDate(0, 0, span)
	case to != nil:
		first, last = to.AddDate(0, 0, -span), *to
	}
	if fromOK && toOK && first.After(last) {
		*problems = append(*problems, fmt.Sprintf("The first day, %s, is after the last, %s.",
			first.Format("2 January 2006"), last.Format("2 January 2006")))
	}
	if len(*problems) > 0 {
		*problems = append(*problems, fmt.Sprintf("Showing the last %d days instead.", models.FunnelDays))
		return today.AddDate(0, 0, -span), today
	}
	return first, last
}

// readDay reads the day named name in q: nil when it is not given, and
// not ok, with a problem added, when it is not a YYYY-MM-DD date.
func readDay(q url.Values, name, title string, problems *[]string) (day *time.Time, ok bool) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return nil, true
	}
	t, err := time.Parse(models.DayLayout, v)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s “%s” is not a date: please write it as YYYY-MM-DD, for example 2026-11-30.", title, shorten(v, 40)))
		return nil, false
	}
	return &t, true
}

// versionOptions are the versions to choose from: the current one first,
// then those with steps counted in the days, newest name first, and the
// chosen one if it is neither.
func versionOptions(current, chosen string, counted []string) []versionOption {
	seen := map[string]bool{current: true}
	list := []string{current}
	sort.Sort(sort.Reverse(sort.StringSlice(counted)))
	for _, v := range append(counted, chosen) {
		if !seen[v] {
			seen[v] = true
			list = append(list, v)
		}
	}
	out := make([]versionOption, len(list))
	for i, v := range list {
		out[i] = versionOption{Value: v, Label: v, Selected: v == chosen}
		if v == current {
			out[i].Label = v + " (current)"
		}
	}
	return out
}
