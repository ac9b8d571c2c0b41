package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// msgConfirmErase is what the erase form says when the box is not ticked.
const msgConfirmErase = "Tick the box to confirm that this lead’s personal data should be erased for good."

// erasePage asks an admin to confirm erasing a lead.
type erasePage struct {
	adminPage
	Name     string
	LeadPath string
	Action   string
	Erased   *moment // when it was erased before, if it was
	Error    string
}

// eraseForm is what the erase page sends: the one required confirmation.
type eraseForm struct{ Confirmed bool }

func readEraseForm(c echo.Context) eraseForm {
	return eraseForm{Confirmed: c.FormValue("confirm") == "yes"}
}

// EraseLeadForm shows what erasing the lead removes and keeps, and asks
// the admin to confirm: erasure cannot be undone.
func (h *Handlers) EraseLeadForm(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	return h.renderErase(c, http.StatusOK, id, "")
}

// EraseLead erases the lead's personal data once the form is confirmed,
// then shows the lead as it now is. Without the confirmation nothing
// changes and the page asks again.
func (h *Handlers) EraseLead(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	if !readEraseForm(c).Confirmed {
		return h.renderErase(c, http.StatusUnprocessableEntity, id, msgConfirmErase)
	}
	if _, err := h.Store.EraseLead(c.Request().Context(), id, currentUser(c).ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, leadPath(id))
}

func (h *Handlers) renderErase(c echo.Context, status int, id int64, problem string) error {
	lead, err := h.Store.LeadByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	title := "Erase " + lead.Name
	if problem != "" {
		title = "Error: " + title
	}
	return c.Render(status, "admin/erase", erasePage{
		adminPage: h.newAdminPage(c, title, "/admin/leads"),
		Name:      lead.Name,
		LeadPath:  leadPath(id),
		Action:    leadPath(id) + "/erase",
		Erased:    optMoment(lead.ErasedAt),
		Error:     problem,
	})
}

// leadData is everything stored about one lead, for a subject access
// request: what the person gave, what we derived, and what we did.
type leadData struct {
	ExportedAt time.Time         `json:"exported_at"`
	Lead       leadDataLead      `json:"lead"`
	Answers    []leadDataAnswer  `json:"answers"`
	Scores     []leadDataScore   `json:"scores"`
	Consents   []leadDataConsent `json:"consents"`
	Emails     []leadDataEmail   `json:"emails"`
	Notes      []leadDataNote    `json:"notes"`
	Activity   []leadDataEvent   `json:"activity"`
}

type leadDataLead struct {
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Email             string         `json:"email"`
	Company           string         `json:"company"`
	Role              string         `json:"role"`
	TeamSize          *int           `json:"team_size"`
	DiagnosticVersion string         `json:"diagnostic_version"`
	OverallIndex      int            `json:"overall_index"`
	Band              string         `json:"band"`
	Status            string         `json:"status"`
	Owner             *string        `json:"owner"`
	FollowUpOn        string         `json:"follow_up_on"`
	MarketingOptIn    bool           `json:"marketing_opt_in"`
	CreatedAt         time.Time      `json:"created_at"`
	TouchedAt         *time.Time     `json:"first_touched_at"`
	ErasedAt          *time.Time     `json:"erased_at"`
	Source            leadDataSource `json:"source"`
}

type leadDataSource struct {
	LandingPage string `json:"landing_page"`
	Referrer    string `json:"referrer"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
	UTMTerm     string `json:"utm_term"`
	UTMContent  string `json:"utm_content"`
}

type leadDataAnswer struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Answer     string `json:"answer"`
	Value      int    `json:"value"`
	Points     int    `json:"points"`
}

type leadDataScore struct {
	Dimension string `json:"dimension"`
	Score     int    `json:"score"`
}

type leadDataConsent struct {
	Purpose        string     `json:"purpose"`
	Granted        bool       `json:"granted"`
	DecidedAt      time.Time  `json:"decided_at"`
	WordingVersion string     `json:"wording_version"`
	WordingSHA256  string     `json:"wording_sha256"`
	Wording        string     `json:"wording"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
}

type leadDataEmail struct {
	Kind          string     `json:"kind"`
	Status        string     `json:"status"`
	QueuedAt      time.Time  `json:"queued_at"`
	Attempts      int        `json:"attempts"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	LastError     string     `json:"last_error"`
	SentAt        *time.Time `json:"sent_at"`
	FailedAt      *time.Time `json:"failed_at"`
}

type leadDataNote struct {
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type leadDataEvent struct {
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	Actor     *string   `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// LeadData downloads everything stored about a lead as JSON, for an admin
// answering the person's request for a copy. The result token is left
// out: it is a key to the result page, not something about the person.
func (h *Handlers) LeadData(c echo.Context) error {
	id, err := parseLeadID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	lead, err := h.Store.LeadByID(ctx, id)
	if err != nil {
		return err
	}
	notes, err := h.Store.LeadNotes(ctx, id)
	if err != nil {
		return err
	}
	history, err := h.Store.LeadActivity(ctx, id, -1) // -1: the whole history
	if err != nil {
		return err
	}
	d := leadData{
		ExportedAt: time.Now().UTC(),
		Lead: leadDataLead{
			ID: lead.ID, Name: lead.Name, Email: lead.Email, Company: lead.Company, Role: lead.Role, TeamSize: lead.TeamSize,
			DiagnosticVersion: lead.DiagnosticVersion, OverallIndex: lead.OverallIndex, Band: lead.Band, Status: lead.Status,
			FollowUpOn: lead.FollowUpOn, MarketingOptIn: lead.MarketingOptIn, CreatedAt: lead.CreatedAt,
			TouchedAt: lead.TouchedAt, ErasedAt: lead.ErasedAt, Source: leadDataSource(lead.Source),
		},
		// Empty lists, never null, so every section is visibly there.
		Answers: []leadDataAnswer{}, Scores: []leadDataScore{}, Consents: []leadDataConsent{},
		Emails: []leadDataEmail{}, Notes: []leadDataNote{}, Activity: []leadDataEvent{},
	}
	if lead.Owner != nil {
		name := lead.Owner.DisplayName()
		d.Lead.Owner = &name
	}
	for _, a := range lead.Answers {
		d.Answers = append(d.Answers, leadDataAnswer{QuestionID: a.QuestionID, Question: a.QuestionText, Answer: a.Label, Value: a.Value, Points: a.Points})
	}
	for _, s := range lead.Scores {
		d.Scores = append(d.Scores, leadDataScore{Dimension: s.Dimension, Score: s.Score})
	}
	for _, cs := range lead.Consents {
		d.Consents = append(d.Consents, leadDataConsent{
			Purpose: cs.Purpose, Granted: cs.Granted, DecidedAt: cs.DecidedAt, WordingVersion: cs.WordingVersion,
			WordingSHA256: cs.WordingSHA256, Wording: cs.Wording, WithdrawnAt: cs.WithdrawnAt,
		})
	}
	for _, e := range lead.Emails {
		d.Emails = append(d.Emails, leadDataEmail{
			Kind: e.Kind, Status: e.Status(), QueuedAt: e.QueuedAt, Attempts: e.Attempts, LastAttemptAt: e.LastAttemptAt,
			LastError: e.LastError, SentAt: e.SentAt, FailedAt: e.FailedAt,
		})
	}
	for _, n := range notes {
		d.Notes = append(d.Notes, leadDataNote{Author: authorName(n.Author), Body: n.Body, CreatedAt: n.CreatedAt})
	}
	for _, a := range history {
		ev := leadDataEvent{Kind: a.Kind, Text: historyText(a), CreatedAt: a.CreatedAt}
		if a.Actor != nil {
			name := a.Actor.DisplayName()
			ev.Actor = &name
		}
		d.Activity = append(d.Activity, ev)
	}
	noStore(c)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="lead-`+strconv.FormatInt(id, 10)+`.json"`)
	return c.JSONPretty(http.StatusOK, d, "  ")
}
