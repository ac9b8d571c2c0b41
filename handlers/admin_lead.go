package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
)

// leadHistoryLimit is how much of a lead's history its page shows.
const leadHistoryLimit = 50

// leadPage is everything the lead page shows, laid out for the template.
type leadPage struct {
	adminPage
	Lead     *models.Lead
	Path     string // the page's own address, which every form posts under
	Created  moment
	Erased   *moment // when the lead's personal data was erased, if it was
	TeamSize string
	Band     string
	Summary  string
	Chart    chart.BarChart
	Scores   []scoreRow
	Consents []consentRow
	Emails   []emailRow
	Steps    []statusStep
	Owners   []ownerOption
	Owner    string
	FollowUp string // the date input's value
	Notes    []noteRow
	History  []historyRow
	Team     leadTeam
	Form     leadForms
}

// leadTeam is the lead page's team view: how far it has come and, once
// unlocked, the team's pooled report (never one colleague's answers).
type leadTeam struct {
	Invited, Answers, Needed int
	Unlocked                 bool
	View                     teamReportView
}

// leadForms is what a form sent back with a problem needs: the value the
// person typed and what is wrong with it, next to the field.
type leadForms struct {
	StatusError   string
	OwnerError    string
	FollowUp      string
	FollowUpError string
	Note          string
	NoteError     string
}

// formProblem is the first field with a problem, for the error summary.
type formProblem struct{ Field, Message string }

// Problem is the first field with a problem, or nil when there is none.
func (f leadForms) Problem() *formProblem {
	for _, p := range []formProblem{
		{"status", f.StatusError}, {"owner", f.OwnerError}, {"follow-up", f.FollowUpError}, {"note-body", f.NoteError},
	} {
		if p.Message != "" {
			return &p
		}
	}
	return nil
}

// moment is a time shown to people, with a machine-readable twin.
type moment struct{ ISO, Text string }

func newMoment(t time.Time) moment {
	t = t.UTC()
	return moment{ISO: t.Format(time.RFC3339), Text: t.Format("2 Jan 2006, 15:04 UTC")}
}

func optMoment(t *time.Time) *moment {
	if t == nil {
		return nil
	}
	s := newMoment(*t)
	return &s
}

type scoreRow struct {
	Name  string
	Score int
}

type consentRow struct {
	Purpose, Decision, Version, Wording string
	DecidedAt                           moment
	WithdrawnAt                         *moment
}

type emailRow struct {
	Kind, Label, Status, LastError string
	Attempts                       int
	QueuedAt                       moment
	SentAt, LastAttemptAt          *moment
}

type statusStep struct {
	Value, Label string
	Current      bool
}

type ownerOption struct {
	Value, Label string
	Selected     bool
}

type noteRow struct {
	Author, Body string
	At           moment
}

type historyRow struct {
	Text, Actor string
	At          moment
}

// viewLead reads the lead the address names for the signed-in user and
// records that they viewed it, as the lead page and the API both do.
func (h *Handlers) viewLead(c echo.Context) (*models.Lead, error) {
	id, err := parseLeadID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	lead, err := h.Store.LeadByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := h.Store.RecordLeadView(ctx, id, currentUser(c).ID, time.Now()); err != nil {
		return nil, err
	}
	return lead, nil
}

// LeadPage shows one lead: who they are, what they answered and how they
// scored, their emails, and the forms that move them along the pipeline.
// Opening it is recorded in the lead's history.
func (h *Handlers) LeadPage(c echo.Context) error {
	lead, err := h.viewLead(c)
	if err != nil {
		return err
	}
	return h.renderLead(c, http.StatusOK, lead, leadForms{})
}

// parseLeadID reads the lead id from the address, strictly: digits only, no
// sign, no leading zero. Anything else is a page that does not exist.
func parseLeadID(c echo.Context) (int64, error) {
	s := c.Param("id")
	if s == "" || s[0] == '0' {
		return 0, echo.ErrNotFound
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, echo.ErrNotFound
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// leadPath is the address of a lead's page.
func leadPath(id int64) string { return "/admin/leads/" + strconv.FormatInt(id, 10) }

// renderLead builds and renders the page for lead, with forms sent back
// with a problem, if any.
func (h *Handlers) renderLead(c echo.Context, status int, lead *models.Lead, forms leadForms) error {
	ctx := c.Request().Context()
	notes, err := h.Store.LeadNotes(ctx, lead.ID)
	if err != nil {
		return err
	}
	history, err := h.Store.LeadActivity(ctx, lead.ID, leadHistoryLimit)
	if err != nil {
		return err
	}
	owners, err := h.Store.AssignableUsers(ctx)
	if err != nil {
		return err
	}
	title := lead.Name
	if forms.Problem() != nil {
		title = "Error: " + title
	}
	p := leadPage{
		adminPage: h.newAdminPage(c, title, "/admin/leads"),
		Lead:      lead,
		Path:      leadPath(lead.ID),
		Created:   newMoment(lead.CreatedAt),
		Erased:    optMoment(lead.ErasedAt),
		TeamSize:  "Not given",
		FollowUp:  lead.FollowUpOn,
		Form:      forms,
	}
	if lead.TeamSize != nil {
		p.TeamSize = strconv.Itoa(*lead.TeamSize)
	}
	if forms.FollowUpError != "" {
		p.FollowUp = forms.FollowUp
	}
	h.fillResult(&p, lead)
	report, unlocked, err := team.LeadReport(ctx, h.Store, h.Diagnostic, lead, h.TeamMinAnswers)
	if err != nil {
		return err
	}
	p.Team = leadTeam{Invited: lead.TeamInvited, Answers: lead.TeamAnswers, Needed: team.UnlockAt(h.TeamMinAnswers),
		Unlocked: unlocked, View: teamReportView{Report: report}}
	p.Consents = consentRows(lead.Consents)
	p.Emails = emailRows(lead.Emails)
	p.Steps = statusSteps(lead.Status)
	p.Owner, p.Owners = ownerOptions(lead, owners)
	for _, n := range notes {
		p.Notes = append(p.Notes, noteRow{Author: authorName(n.Author), Body: n.Body, At: newMoment(n.CreatedAt)})
	}
	for _, a := range history {
		p.History = append(p.History, historyRow{Text: historyText(a), Actor: a.Actor.DisplayName(), At: newMoment(a.CreatedAt)})
	}
	return c.Render(status, "admin/lead", p)
}

// renderLeadAgain shows the page again for a form with a problem, with the
// lead as it is now (an unknown lead is the 404 page).
func (h *Handlers) renderLeadAgain(c echo.Context, id int64, forms leadForms) error {
	lead, err := h.Store.LeadByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return h.renderLead(c, http.StatusUnprocessableEntity, lead, forms)
}

// fillResult shows the scores as they were stored with the lead; only the
// band's title and copy, and the dimensions' names, come from the
// diagnostic's current definition.
func (h *Handlers) fillResult(p *leadPage, lead *models.Lead) {
	result := h.storedResult(lead)
	p.Band = lead.Band
	if b, ok := h.Diagnostic.Band(lead.Band); ok {
		p.Band, p.Summary = b.Title, b.Summary
	}
	p.Chart = chart.Scores(h.Diagnostic, result)
	for _, s := range lead.Scores {
		name := s.Dimension
		if d, ok := h.Diagnostic.Dimension(s.Dimension); ok {
			name = d.Name
		}
		p.Scores = append(p.Scores, scoreRow{Name: name, Score: s.Score})
	}
}

func authorName(u *models.User) string {
	if u == nil {
		return "A former user"
	}
	return u.DisplayName()
}

// Words for the codes stored on a lead and in its history.
var (
	leadStatusNames = map[string]string{
		models.StatusNew: "New", models.StatusContacted: "Contacted", models.StatusQualified: "Qualified",
		models.StatusProposal: "Proposal", models.StatusWon: "Won", models.StatusLost: "Lost",
	}
	leadEmailNames = map[string]string{
		models.EmailProspectSummary:  "Summary to the prospect",
		models.EmailTeamNotification: "Notification to the team",
	}
	consentPurposeNames = map[string]string{
		models.PurposeSummary:   "Summary and contact about the result",
		models.PurposeMarketing: "Marketing emails",
	}
)

// nameFor is the word for code, or the code itself when there is none, so a
// new kind shows up rather than vanishing.
func nameFor(words map[string]string, code string) string {
	if w, ok := words[code]; ok {
		return w
	}
	return code
}

func consentRows(consents []models.Consent) []consentRow {
	var out []consentRow
	for _, c := range consents {
		row := consentRow{
			Purpose: nameFor(consentPurposeNames, c.Purpose), Decision: "Declined", Version: c.WordingVersion,
			Wording: c.Wording, DecidedAt: newMoment(c.DecidedAt), WithdrawnAt: optMoment(c.WithdrawnAt),
		}
		if c.Granted {
			row.Decision = "Given"
		}
		out = append(out, row)
	}
	return out
}

func emailRows(emails []models.LeadEmail) []emailRow {
	var out []emailRow
	for _, e := range emails {
		out = append(out, emailRow{
			Kind: e.Kind, Label: nameFor(leadEmailNames, e.Kind), Status: e.Status(), LastError: e.LastError,
			Attempts: e.Attempts, QueuedAt: newMoment(e.QueuedAt), SentAt: optMoment(e.SentAt), LastAttemptAt: optMoment(e.LastAttemptAt),
		})
	}
	return out
}

func statusSteps(current string) []statusStep {
	out := make([]statusStep, 0, len(models.Statuses))
	for _, s := range models.Statuses {
		out = append(out, statusStep{Value: s, Label: nameFor(leadStatusNames, s), Current: s == current})
	}
	return out
}

// ownerOptions lists who may own the lead, with the current owner chosen
// and kept in the list even if they could no longer be picked, so saving
// the form unchanged never unassigns anyone by accident.
func ownerOptions(lead *models.Lead, users []models.User) (current string, opts []ownerOption) {
	current = "Unassigned"
	opts = []ownerOption{{Value: "", Label: "Unassigned", Selected: lead.OwnerID == nil}}
	listed := false
	for _, u := range users {
		selected := lead.OwnerID != nil && *lead.OwnerID == u.ID
		listed = listed || selected
		opts = append(opts, ownerOption{Value: strconv.FormatInt(u.ID, 10), Label: u.DisplayName() + " (" + u.Role + ")", Selected: selected})
	}
	if lead.Owner != nil {
		current = lead.Owner.DisplayName()
		if !listed {
			opts = append(opts, ownerOption{Value: strconv.FormatInt(lead.Owner.ID, 10), Label: current + " (can no longer own leads)", Selected: true})
		}
	}
	return current, opts
}

// historyText says in words what one entry in a lead's history was.
// meetingTime shows a meeting's start, stored RFC 3339 in UTC.
func meetingTime(detail string) string {
	t, err := time.Parse(time.RFC3339, detail)
	if err != nil {
		return detail
	}
	return t.UTC().Format("Mon 2 Jan 2006, 15:04 MST")
}

func historyText(a models.Activity) string {
	switch a.Kind {
	case models.ActivityCreated:
		return "Lead created from the diagnostic"
	case models.ActivityReleased:
		return "Released from quarantine (" + strings.ToLower(nameFor(quarantineReasons, a.Detail)) + ")"
	case models.ActivityViewed:
		return "Viewed"
	case models.ActivityBriefViewed:
		return "Opened the call brief (PDF)"
	case models.ActivityStatusChanged:
		return "Status changed: " + a.Detail
	case models.ActivityAssigned:
		if a.Detail == "" {
			return "Unassigned"
		}
		if a.Detail == models.ErasedDetail {
			return "Owner changed"
		}
		return "Assigned to " + a.Detail
	case models.ActivityFollowUpSet:
		if a.Detail == "" {
			return "Follow-up date cleared"
		}
		return "Follow-up set for " + a.Detail
	case models.ActivityNoteAdded:
		return "Note added"
	case models.ActivityMeetingBooked:
		return "Meeting booked for " + meetingTime(a.Detail)
	case models.ActivityMeetingRescheduled:
		return "Meeting moved to " + meetingTime(a.Detail)
	case models.ActivityMeetingCancelled:
		return "Meeting cancelled (was " + meetingTime(a.Detail) + ")"
	case models.ActivityEmailSent:
		return nameFor(leadEmailNames, a.Detail) + ": sent"
	case models.ActivityEmailFailed:
		return nameFor(leadEmailNames, a.Detail) + ": failed for good"
	case models.ActivityEmailResent:
		return nameFor(leadEmailNames, a.Detail) + ": queued to send again"
	case models.ActivityConsentWithdrawn:
		return nameFor(consentPurposeNames, a.Detail) + ": consent withdrawn"
	case models.ActivityErased:
		if a.Detail == models.ErasedByRetention {
			return "Personal data erased: kept for the full retention period"
		}
		return "Personal data erased"
	}
	return a.Kind
}
