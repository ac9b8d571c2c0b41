package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
)

// API list sizes.
const (
	apiDefaultLimit = 25
	apiMaxLimit     = 100
)

// inboxParams are the inbox's filters and search, which the lead list
// takes under the same names.
var inboxParams = []string{"q", "status", "band", "from", "to", "campaign", "source", "consent", "team"}

// leadListParams are the only query parameters GET /api/v1/leads takes:
// the inbox's, and the page.
var leadListParams = append(slices.Clone(inboxParams), "cursor", "limit")

// leadListReasons say why the inbox's parser set a value aside, by the
// API's name for it.
var leadListReasons = map[string]string{
	"status":  "is not one of " + strings.Join(models.Statuses, ", "),
	"band":    "is not a band of the diagnostic",
	"from":    "is not a date in the form YYYY-MM-DD",
	"to":      "is not a date in the form YYYY-MM-DD",
	"consent": "must be marketing",
	"team":    "must be invited or unlocked",
	"cursor":  "is not the next cursor of an earlier page",
}

type apiLeadSummary struct {
	ID               int64     `json:"id"`
	CreatedAt        time.Time `json:"created_at"`
	Name             string    `json:"name"`
	Company          string    `json:"company"`
	Role             string    `json:"role"`
	Band             string    `json:"band"`
	Index            int       `json:"index"`
	Status           string    `json:"status"`
	Owner            *apiUser  `json:"owner"`
	Campaign         string    `json:"campaign"`
	MarketingConsent bool      `json:"marketing_consent"`
	TeamInvited      int       `json:"team_invited"`
	TeamAnswers      int       `json:"team_answers"`
}

type apiUser struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func newAPIUser(u *models.User) *apiUser {
	if u == nil {
		return nil
	}
	return &apiUser{ID: u.ID, Name: u.Name, Email: u.Email}
}

type apiLeadList struct {
	Leads []apiLeadSummary `json:"leads"`
	Next  *string          `json:"next"`
}

// APILeads lists leads newest first, filtered and searched as the inbox
// is, a page at a time: each page's next is the cursor of the one after.
// Unlike the inbox page, which drops a value it cannot use, the API
// refuses the request and names it.
func (h *Handlers) APILeads(c echo.Context) error {
	q := c.QueryParams()
	var bad []invalidParam
	for name, vals := range q {
		switch {
		case !slices.Contains(leadListParams, name):
			bad = append(bad, invalidParam{name, "is not a parameter of this endpoint"})
		case len(vals) > 1:
			bad = append(bad, invalidParam{name, "is given more than once"})
		}
	}
	limit := apiDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiMaxLimit {
			bad = append(bad, invalidParam{"limit", "must be a whole number from 1 to " + strconv.Itoa(apiMaxLimit)})
		}
		limit = n
	}
	inbox := url.Values{}
	for _, name := range inboxParams {
		if v := q.Get(name); v != "" {
			inbox.Set(name, v)
		}
	}
	if v := q.Get("cursor"); v != "" {
		inbox.Set("after", v)
	}
	r := parseInboxQuery(inbox, h.Diagnostic.Bands, team.UnlockAt(h.TeamMinAnswers))
	for _, ig := range r.Ignored {
		name := ig.Param
		if name == "after" {
			name = "cursor"
		}
		bad = append(bad, invalidParam{name, leadListReasons[name]})
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b invalidParam) int { return strings.Compare(a.Name, b.Name) })
		return unprocessable(bad...)
	}
	r.Filter.PageSize, r.Filter.NoCount = limit, true
	res, err := h.Store.LeadInbox(c.Request().Context(), r.Filter)
	if err != nil {
		return err
	}
	out := apiLeadList{Leads: make([]apiLeadSummary, 0, len(res.Leads))}
	for _, l := range res.Leads {
		out.Leads = append(out.Leads, apiLeadSummary{
			ID: l.ID, CreatedAt: l.CreatedAt.UTC(), Name: l.Name, Company: l.Company, Role: l.Role,
			Band: l.Band, Index: l.OverallIndex, Status: l.Status, Owner: newAPIUser(l.Owner),
			Campaign: l.Source.UTMCampaign, MarketingConsent: l.MarketingOptIn,
			TeamInvited: l.TeamInvited, TeamAnswers: l.TeamAnswers,
		})
	}
	if res.Next != nil {
		next := res.Next.Token()
		out.Next = &next
	}
	return c.JSON(http.StatusOK, out)
}

type apiLead struct {
	ID        int64        `json:"id"`
	Version   int          `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	ErasedAt  *time.Time   `json:"erased_at"`
	Contact   apiContact   `json:"contact"`
	Source    apiSource    `json:"source"`
	Consents  []apiConsent `json:"consents"`
	Answers   []apiAnswer  `json:"answers"`
	Result    apiResult    `json:"result"`
	Team      apiTeam      `json:"team"`
	Emails    []apiEmail   `json:"emails"`
	Status    string       `json:"status"`
	Owner     *apiUser     `json:"owner"`
	FollowUp  *string      `json:"follow_up_on"`
	Notes     []apiNote    `json:"notes"`
	History   []apiHistory `json:"history"`
}

// apiTeam is how far a lead's team view has come: counts only, never a
// colleague's answers.
type apiTeam struct {
	Invited  int  `json:"invited"`
	Answers  int  `json:"answers"`
	Unlocked bool `json:"unlocked"`
}

type apiContact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Company  string `json:"company"`
	Role     string `json:"role"`
	TeamSize *int   `json:"team_size"`
}

type apiSource struct {
	LandingPage string `json:"landing_page"`
	Referrer    string `json:"referrer"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
	UTMTerm     string `json:"utm_term"`
	UTMContent  string `json:"utm_content"`
}

type apiConsent struct {
	Purpose        string     `json:"purpose"`
	Granted        bool       `json:"granted"`
	DecidedAt      time.Time  `json:"decided_at"`
	WordingVersion string     `json:"wording_version"`
	Wording        string     `json:"wording"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
}

type apiAnswer struct {
	QuestionID string `json:"question_id"`
	Dimension  string `json:"dimension"`
	Question   string `json:"question"`
	Value      int    `json:"value"`
	Label      string `json:"label"`
	Points     int    `json:"points"`
}

type apiResult struct {
	Index     int        `json:"index"`
	Band      string     `json:"band"`
	BandTitle string     `json:"band_title"`
	Scores    []apiScore `json:"scores"`
}

type apiScore struct {
	Dimension string `json:"dimension"`
	Name      string `json:"name"`
	Score     int    `json:"score"`
}

type apiEmail struct {
	Kind          string     `json:"kind"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	QueuedAt      time.Time  `json:"queued_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	SentAt        *time.Time `json:"sent_at"`
	LastError     string     `json:"last_error"`
}

type apiNote struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type apiHistory struct {
	Kind  string    `json:"kind"`
	Text  string    `json:"text"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// APILead is one lead with everything its page shows. Reading it is
// recorded in the lead's history, as opening the page is.
func (h *Handlers) APILead(c echo.Context) error {
	lead, err := h.viewLead(c)
	if err != nil {
		return err
	}
	return h.writeLead(c, lead)
}

// writeLead answers with lead as JSON, its version as the ETag.
func (h *Handlers) writeLead(c echo.Context, lead *models.Lead) error {
	ctx := c.Request().Context()
	notes, err := h.Store.LeadNotes(ctx, lead.ID)
	if err != nil {
		return err
	}
	history, err := h.Store.LeadActivity(ctx, lead.ID, leadHistoryLimit)
	if err != nil {
		return err
	}
	out := apiLead{
		ID: lead.ID, Version: lead.Version, CreatedAt: lead.CreatedAt.UTC(), ErasedAt: utc(lead.ErasedAt),
		Contact: apiContact{Name: lead.Name, Email: lead.Email, Company: lead.Company, Role: lead.Role, TeamSize: lead.TeamSize},
		Source: apiSource{LandingPage: lead.Source.LandingPage, Referrer: lead.Source.Referrer, UTMSource: lead.Source.UTMSource,
			UTMMedium: lead.Source.UTMMedium, UTMCampaign: lead.Source.UTMCampaign, UTMTerm: lead.Source.UTMTerm, UTMContent: lead.Source.UTMContent},
		Consents: []apiConsent{}, Answers: []apiAnswer{}, Emails: []apiEmail{}, Notes: []apiNote{}, History: []apiHistory{},
		Result: apiResult{Index: lead.OverallIndex, Band: lead.Band, Scores: []apiScore{}},
		Status: lead.Status, Owner: newAPIUser(lead.Owner),
		Team: apiTeam{Invited: lead.TeamInvited, Answers: lead.TeamAnswers, Unlocked: team.Unlocked(lead.TeamAnswers, h.TeamMinAnswers)},
	}
	if lead.FollowUpOn != "" {
		out.FollowUp = &lead.FollowUpOn
	}
	if b, ok := h.Diagnostic.Band(lead.Band); ok {
		out.Result.BandTitle = b.Title
	}
	for _, s := range lead.Scores {
		name := s.Dimension
		if d, ok := h.Diagnostic.Dimension(s.Dimension); ok {
			name = d.Name
		}
		out.Result.Scores = append(out.Result.Scores, apiScore{Dimension: s.Dimension, Name: name, Score: s.Score})
	}
	for _, cs := range lead.Consents {
		out.Consents = append(out.Consents, apiConsent{Purpose: cs.Purpose, Granted: cs.Granted, DecidedAt: cs.DecidedAt.UTC(),
			WordingVersion: cs.WordingVersion, Wording: cs.Wording, WithdrawnAt: utc(cs.WithdrawnAt)})
	}
	for _, a := range lead.Answers {
		out.Answers = append(out.Answers, apiAnswer{QuestionID: a.QuestionID, Dimension: a.Dimension, Question: a.QuestionText,
			Value: a.Value, Label: a.Label, Points: a.Points})
	}
	for _, e := range lead.Emails {
		out.Emails = append(out.Emails, apiEmail{Kind: e.Kind, Status: e.Status(), Attempts: e.Attempts, QueuedAt: e.QueuedAt.UTC(),
			LastAttemptAt: utc(e.LastAttemptAt), SentAt: utc(e.SentAt), LastError: e.LastError})
	}
	for _, n := range notes {
		out.Notes = append(out.Notes, newAPINote(n))
	}
	for _, a := range history {
		out.History = append(out.History, apiHistory{Kind: a.Kind, Text: historyText(a), Actor: a.Actor.DisplayName(), At: a.CreatedAt.UTC()})
	}
	c.Response().Header().Set("ETag", leadETag(lead.Version))
	return c.JSON(http.StatusOK, out)
}

func newAPINote(n models.Note) apiNote {
	return apiNote{ID: n.ID, Author: authorName(n.Author), Body: n.Body, CreatedAt: n.CreatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// leadETag is a lead version as an entity tag, which If-Match sends back.
func leadETag(version int) string { return `"` + strconv.Itoa(version) + `"` }
