package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
)

type inboxPage struct {
	adminPage
	Form                   inboxForm
	Statuses, Bands, Sorts []inboxOption
	Rows                   []inboxRow
	From, To               int    // the rows' positions among all matches
	Total                  string // "1,234", or "10,000+" past the count's limit
	NextURL, FirstURL      string // empty when there is no such page
	Filtered               bool
}

// inboxForm is what the filter form shows: the valid values of the request.
type inboxForm struct {
	Q, From, To, Campaign, Source string
	Marketing                     bool
	Team                          string // "", inboxTeamInvited or inboxTeamUnlocked
}

// The team filter's values: "has a team view" is at least one colleague
// invited; "team view unlocked" is enough answers in for its report.
const (
	inboxTeamInvited  = "invited"
	inboxTeamUnlocked = "unlocked"
)

type inboxOption struct {
	Value, Label string
	Selected     bool
}

type inboxRow struct {
	Href                                           string // empty when the viewer may not open leads
	Created, CreatedISO                            string
	Name, Company, Role, Band, Status, StatusLabel string
	Owner, Campaign                                string
	Index                                          int
	Marketing                                      bool
	Team                                           *inboxTeamBadge // nil when nobody was invited
}

// inboxTeamBadge is a lead row's team badge: answers in of colleagues
// invited, and whether the team's report has opened.
type inboxTeamBadge struct {
	Answers, Invited int
	Unlocked         bool
}

var inboxSortLabels = map[models.InboxSort]string{
	models.InboxNewest: "Newest first", models.InboxOldest: "Oldest first",
	models.InboxIndexHigh: "Highest index first", models.InboxIndexLow: "Lowest index first",
}

// inboxQuery is a request to the inbox after checking: the filter for the
// store, what the form shows and a notice for each value that was ignored.
type inboxQuery struct {
	Filter  models.InboxFilter
	Form    inboxForm
	Ignored []ignoredValue
}

// ignoredValue is a parameter whose value could not be used: the page
// says so in Text, and the API refuses the request naming Param.
type ignoredValue struct {
	Param, Text string
}

// parseInboxQuery checks every parameter against its allow-list or format.
// A value that fails is dropped with a notice rather than an error page,
// so a stale bookmark still shows the inbox.
func parseInboxQuery(q url.Values, bands []diagnostic.Band, teamUnlockAt int) inboxQuery {
	var r inboxQuery
	f := &r.Filter
	unknown := func(what, v string) {
		r.Ignored = append(r.Ignored, ignoredValue{what, fmt.Sprintf("Ignored an unknown %s “%s”.", what, inboxText(v, 40))})
	}
	f.Search, f.Campaign, f.Source = inboxText(q.Get("q"), 100), inboxText(q.Get("campaign"), 200), inboxText(q.Get("source"), 200)
	r.Form.Q, r.Form.Campaign, r.Form.Source = f.Search, f.Campaign, f.Source
	if v := q.Get("status"); models.ValidStatus(v) {
		f.Status = v
	} else if v != "" {
		unknown("status", v)
	}
	if v := q.Get("band"); slices.ContainsFunc(bands, func(b diagnostic.Band) bool { return b.ID == v }) {
		f.Band = v
	} else if v != "" {
		unknown("band", v)
	}
	f.Sort = models.InboxNewest
	if v := models.InboxSort(q.Get("sort")); v.Valid() {
		f.Sort = v
	} else if v != "" {
		unknown("sort", string(v))
	}
	switch v := q.Get("consent"); v {
	case "":
	case models.PurposeMarketing:
		f.MarketingOnly, r.Form.Marketing = true, true
	default:
		unknown("consent", v)
	}
	switch v := q.Get("team"); v {
	case "":
	case inboxTeamInvited:
		f.TeamInvited, r.Form.Team = true, v
	case inboxTeamUnlocked:
		f.TeamAnswersAtLeast, r.Form.Team = teamUnlockAt, v
	default:
		unknown("team", v)
	}
	// Days are whole days in UTC, both ends included.
	for _, d := range []struct {
		name string
		form *string
		set  func(time.Time)
	}{
		{"from", &r.Form.From, func(t time.Time) { f.CreatedFrom = t }},
		{"to", &r.Form.To, func(t time.Time) { f.CreatedBefore = t.AddDate(0, 0, 1) }},
	} {
		v := strings.TrimSpace(q.Get(d.name))
		if v == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, v)
		if err != nil {
			r.Ignored = append(r.Ignored, ignoredValue{d.name, fmt.Sprintf("Ignored a malformed date “%s”: please use YYYY-MM-DD.", inboxText(v, 40))})
			continue
		}
		*d.form = v
		d.set(day)
	}
	if v := q.Get("after"); v != "" {
		c, err := models.ParseInboxCursor(v)
		if err != nil || c.Sort != f.Sort {
			r.Ignored = append(r.Ignored, ignoredValue{"after", "Ignored a page link that was not valid: showing the first page."})
		} else {
			f.After = &c
		}
	}
	return r
}

// values is the query string of r's filter, without a cursor: the state a
// link to another page of the same view must keep.
func (r inboxQuery) values() url.Values {
	v := url.Values{}
	for name, val := range map[string]string{
		"q": r.Form.Q, "status": r.Filter.Status, "band": r.Filter.Band, "from": r.Form.From, "to": r.Form.To,
		"campaign": r.Form.Campaign, "source": r.Form.Source, "team": r.Form.Team,
	} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if r.Form.Marketing {
		v.Set("consent", models.PurposeMarketing)
	}
	if r.Filter.Sort != models.InboxNewest {
		v.Set("sort", string(r.Filter.Sort))
	}
	return v
}

// LeadInbox lists the leads, newest first, with filters, search, sorting
// and keyset pages, all held in the query string so a view can be bookmarked.
func (h *Handlers) LeadInbox(c echo.Context) error {
	unlockAt := team.UnlockAt(h.TeamMinAnswers)
	r := parseInboxQuery(c.QueryParams(), h.Diagnostic.Bands, unlockAt)
	res, err := h.Store.LeadInbox(c.Request().Context(), r.Filter)
	if err != nil {
		return err
	}
	p := inboxPage{adminPage: h.newAdminPage(c, "Leads", "/admin/leads"), Form: r.Form, From: res.Start}
	for _, ig := range r.Ignored {
		p.Notice = strings.TrimSpace(p.Notice + " " + ig.Text)
	}
	for _, s := range models.Statuses {
		p.Statuses = append(p.Statuses, inboxOption{s, inboxStatusLabel(s), s == r.Filter.Status})
	}
	for _, b := range h.Diagnostic.Bands {
		p.Bands = append(p.Bands, inboxOption{b.ID, b.Title, b.ID == r.Filter.Band})
	}
	for _, s := range models.InboxSorts {
		p.Sorts = append(p.Sorts, inboxOption{string(s), inboxSortLabels[s], s == r.Filter.Sort})
	}

	vals := r.values()
	p.Filtered = len(vals) > 0 && !(len(vals) == 1 && vals.Has("sort")) // a sort alone filters nothing
	if r.Filter.After != nil {
		p.FirstURL = "/admin/leads" + inboxQueryString(vals)
	}
	if res.Next != nil {
		vals.Set("after", res.Next.Token())
		p.NextURL = "/admin/leads" + inboxQueryString(vals)
	}
	p.To = res.Start + len(res.Leads) - 1
	p.Total = inboxThousands(res.Total)
	if res.TotalCapped {
		p.Total += "+"
	}

	u := currentUser(c)
	canOpen := u != nil && leadsTeam.Allows(u.Role)
	for _, l := range res.Leads {
		row := inboxRow{
			Created: l.CreatedAt.UTC().Format("2 Jan 2006, 15:04"), CreatedISO: l.CreatedAt.UTC().Format(time.RFC3339),
			Name: l.Name, Company: l.Company, Role: l.Role, Band: l.Band, Status: l.Status, StatusLabel: inboxStatusLabel(l.Status),
			Campaign: l.Source.UTMCampaign, Index: l.OverallIndex, Marketing: l.MarketingOptIn,
		}
		if canOpen {
			row.Href = "/admin/leads/" + strconv.FormatInt(l.ID, 10)
		}
		if b, ok := h.Diagnostic.Band(l.Band); ok {
			row.Band = b.Title
		}
		if l.Owner != nil {
			row.Owner = l.Owner.DisplayName()
		}
		if l.TeamInvited > 0 {
			row.Team = &inboxTeamBadge{Answers: l.TeamAnswers, Invited: l.TeamInvited, Unlocked: team.Unlocked(l.TeamAnswers, h.TeamMinAnswers)}
		}
		p.Rows = append(p.Rows, row)
	}
	return c.Render(http.StatusOK, "admin/leads", p)
}

func inboxQueryString(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// inboxStatusLabel is a status as people read it: "won" is "Won".
func inboxStatusLabel(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// inboxThousands writes n with commas: 10000 is "10,000".
func inboxThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// inboxText is models.QueryText, the inbox's and the export's one rule for
// a value from the query string.
func inboxText(s string, n int) string { return models.QueryText(s, n) }
