// Package insights turns the summary tables' figures into the reports
// marketing and admins read (campaign results, answer patterns, whether
// the score predicts business): their date range and filters, rates,
// score ranges, sorting and downloadable tables. The queries are models';
// pages and charts are handlers'.
package insights

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Report settings.
const (
	// DefaultDays is the range a report covers when the URL names none:
	// the last 90 days, today included.
	DefaultDays = 90
	// MaxDays is the longest range a report covers, so that it stays a
	// quick read of the summaries' rows.
	MaxDays = 366
	// FewLeads is the fewest leads a rate may stand on and still be read
	// as meaning something; below it the report says so.
	FewLeads = 20
)

// Params are a report's date range and diagnostic version, as the URL
// gave them or as defaulted.
type Params struct {
	From, To string // YYYY-MM-DD, UTC, inclusive
	Version  string // "" for every version, where a report allows it
}

// Query encodes p for a link, with extra parameters added.
func (p Params) Query(extra ...string) string {
	v := url.Values{"from": {p.From}, "to": {p.To}}
	if p.Version != "" {
		v.Set("version", p.Version)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			v.Set(extra[i], extra[i+1])
		}
	}
	return v.Encode()
}

// ParseParams reads from, to and version from a report's query. A value
// that cannot be used is replaced by its default and explained in the
// problems returned, so the report still shows: the last DefaultDays days
// up to today, and defaultVersion. versions are those the reports know;
// allowAll lets version be empty, meaning every version.
func ParseParams(q url.Values, today time.Time, versions []string, defaultVersion string, allowAll bool) (Params, []string) {
	today = today.UTC()
	var problems []string
	shown := func(s string) string {
		if utf8.RuneCountInString(s) > 40 {
			s = string([]rune(s)[:39]) + "…"
		}
		return strings.Map(func(r rune) rune {
			if r < ' ' {
				return -1
			}
			return r
		}, s)
	}
	day := func(name, label string) (time.Time, bool) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return time.Time{}, false
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s “%s” is not a date in the form YYYY-MM-DD, so it was left out.", label, shown(v)))
			return time.Time{}, false
		}
		return t, true
	}
	to, ok := day("to", "The to date")
	if !ok {
		to = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	}
	from, ok := day("from", "The from date")
	if !ok {
		from = to.AddDate(0, 0, -(DefaultDays - 1))
	}
	if to.Before(from) {
		problems = append(problems, fmt.Sprintf("The to date is before the from date, so the report shows the %d days up to the to date.", DefaultDays))
		from = to.AddDate(0, 0, -(DefaultDays - 1))
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > MaxDays {
		problems = append(problems, fmt.Sprintf("A report covers at most %d days, so it starts on %s.", MaxDays, to.AddDate(0, 0, -(MaxDays-1)).Format(time.DateOnly)))
		from = to.AddDate(0, 0, -(MaxDays - 1))
	}
	p := Params{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Version: defaultVersion}
	if v, set := q["version"]; set && len(v) > 0 {
		switch want := v[0]; {
		case want == "":
			// Every version where the report allows it; else the default.
		case slices.Contains(versions, want) || want == defaultVersion && want != "":
			p.Version = want
		default:
			what := "every version"
			if defaultVersion != "" {
				what = "version " + defaultVersion
			}
			problems = append(problems, fmt.Sprintf("No leads were saved with diagnostic version “%s”, so the report shows %s.", shown(want), what))
		}
	}
	return p, problems
}

// Rate is part as a share of whole, "12.5%", or "–" when whole is 0.
func Rate(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}
