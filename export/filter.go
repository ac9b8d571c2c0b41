package export

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Problem is one value of an export request that was refused.
type Problem struct {
	Field   string // the parameter (and command-line flag) it came in, or "" for none
	Message string
}

// params are the only parameters an export request may carry; "excel"
// only means something to a CSV.
var params = []string{"from", "to", "band", "status", "campaign", "source", "contacts", "excel"}

// IsParam reports whether name is a parameter an export request may carry.
func IsParam(name string) bool { return slices.Contains(params, name) }

// ParseFilter checks an export request, as the workspace's query or the
// command line's flags, against allow-lists and formats; the filter is
// only for use when there are no problems. Unlike the inbox it refuses
// rather than drops a bad value: an export that quietly ignored a filter
// would hand over more people than were asked for. Campaign and source
// are matched exactly, as typed.
func ParseFilter(q url.Values, def *diagnostic.Definition) (models.ExportFilter, []Problem) {
	var (
		f        models.ExportFilter
		problems []Problem
	)
	refuse := func(field, format string, args ...any) {
		problems = append(problems, Problem{field, fmt.Sprintf(format, args...)})
	}
	shown := func(v string) string { return models.QueryText(v, 40) }
	for name, vals := range q {
		switch {
		case !slices.Contains(params, name):
			refuse("", "“%s” is not something an export can be filtered by.", shown(name))
		case len(vals) > 1:
			refuse(name, "Give one %s, not %d.", name, len(vals))
		}
	}
	slices.SortFunc(problems, func(a, b Problem) int { return strings.Compare(a.Message, b.Message) })

	var days [2]time.Time
	for i, d := range []struct {
		name, label string
		set         *string
	}{{"from", "From date", &f.From}, {"to", "To date", &f.To}} {
		v := strings.TrimSpace(q.Get(d.name))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			refuse(d.name, "%s “%s” is not a date in the form YYYY-MM-DD.", d.label, shown(v))
			continue
		}
		*d.set, days[i] = v, t
	}
	if !days[0].IsZero() && !days[1].IsZero() && days[1].Before(days[0]) {
		refuse("to", "The to date is before the from date.")
	}
	if v := q.Get("band"); v != "" {
		if _, ok := def.Band(v); !ok {
			ids := make([]string, len(def.Bands))
			for i, b := range def.Bands {
				ids[i] = b.ID
			}
			refuse("band", "Band “%s” is not one of %s.", shown(v), strings.Join(ids, ", "))
		} else {
			f.Band = v
		}
	}
	if v := q.Get("status"); v != "" {
		if models.ValidStatus(v) {
			f.Status = v
		} else {
			refuse("status", "Status “%s” is not one of %s.", shown(v), strings.Join(models.Statuses, ", "))
		}
	}
	for _, t := range []struct {
		name, label string
		set         *string
	}{{"campaign", "Campaign", &f.Campaign}, {"source", "Source", &f.Source}} {
		v := strings.TrimSpace(q.Get(t.name))
		switch {
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			refuse(t.name, "%s holds characters that cannot be stored, so nothing can match it.", t.label)
		case utf8.RuneCountInString(v) > 200:
			refuse(t.name, "%s is longer than 200 characters, so nothing can match it.", t.label)
		default:
			*t.set = v
		}
	}
	switch v := q.Get("contacts"); v {
	case "", "consented":
	case "all":
		f.AllContacts = true
	default:
		refuse("contacts", "Contacts must be “consented” or “all”, not “%s”.", shown(v))
	}
	if v := q.Get("excel"); v != "" && v != "0" && v != "1" {
		refuse("excel", "Excel must be 1 or 0, not “%s”.", shown(v))
	}
	return f, problems
}

// Query is the query string that ParseFilter reads back as f, with
// excel=1 when excel is set, for links to a download: "" or "?…".
func Query(f models.ExportFilter, excel bool) string {
	v := url.Values{}
	for name, val := range map[string]string{"from": f.From, "to": f.To, "band": f.Band, "status": f.Status, "campaign": f.Campaign, "source": f.Source} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if f.AllContacts {
		v.Set("contacts", "all")
	}
	if excel {
		v.Set("excel", "1")
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
