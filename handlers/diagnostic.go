package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

// questionsPerStep is how many questions the script shows at a time.
const questionsPerStep = 3

type diagnosticPage struct {
	Meta       views.Meta
	Title      string
	Intro      string
	CSRF       string
	Notice     string
	Steps      []stepView
	TotalSteps int
	Fields     contactFields
	Consents   []consentView
	Source     source
	ErrorList  []errorLink
	Submission string
	Stamp      string     // when this form was first served, signed
	Action     string     // where the form is sent
	Embed      *embedView // set when the form is shown in another site's frame
	// StepsVersion, set on a fresh form only, has the script count the
	// steps reached (diagnostic_steps.go); a form shown again is the same
	// visit going on, whose steps were counted.
	StepsVersion string
}

type stepView struct {
	Number    int
	Title     string
	Questions []questionView
}

type questionView struct {
	ID, Field, Text, Error string
	Number                 int
	Options                []optionView
}

type optionView struct {
	Value   int
	Label   string
	Checked bool
}

type contactFields struct{ Name, Email, Company, Role, TeamSize fieldView }

type fieldView struct {
	ID, Name, Label, Type, Value, Error, Hint, Autocomplete, InputMode string
	MaxLength                                                          int
	Required                                                           bool
}

type consentView struct {
	ID, Label, Error  string
	Required, Checked bool
}

type errorLink struct{ Anchor, Message string }

// DiagnosticForm shows the diagnostic, carrying the visitor's source along.
func (h *Handlers) DiagnosticForm(c echo.Context) error {
	h.Funnel.Inc(models.MetricDiagnosticStarts)
	src := sourceFromRequest(c, "/diagnostic")
	h.Funnel.IncCampaignStart(src.UTMSource, src.UTMCampaign)
	return h.serveFreshDiagnostic(c, src)
}

// SubmitDiagnostic scores a completed diagnostic, saves the lead and sends
// the visitor to their result; a form with problems comes back with every
// answer kept and a message next to each problem. A submission that looks
// automated is quarantined instead: the visitor sees their result as usual,
// but no email goes out until an admin releases it.
func (h *Handlers) SubmitDiagnostic(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	f := parseDiagnosticForm(values, h.Diagnostic, h.Consent)
	ctx := c.Request().Context()
	now := time.Now().UTC()
	var lead *models.Lead
	reason := ""
	if f.valid() {
		result, err := h.Diagnostic.Score(f.Answers)
		if err != nil {
			return fmt.Errorf("score a validated form: %w", err)
		}
		lead = h.newLead(f, result, now)
		reason = h.suspicion(values, f.SubmissionKey, now)
	}
	// A form about to be saved as a lead, with the limit counted in the
	// database, is counted in the lead's own statement: no round trip
	// more. Every other form is counted first, by the same rule.
	shared, countInSave := h.submitLimit.(*sharedLimiter)
	countInSave = countInSave && lead != nil && reason == ""
	if !countInSave {
		wait, ok, err := h.submitLimit.allow(ctx, c.RealIP(), now)
		if err != nil {
			// The database that counts the limit is the one that would save
			// the lead: the form comes back as when a save fails.
			return h.saveFailed(c, f, fmt.Errorf("count the submission limit: %w", err))
		}
		if !ok {
			return h.overSubmitLimit(c, f, wait)
		}
		h.countCompleted(f)
	}
	if !f.valid() {
		return h.renderDiagnostic(c, http.StatusUnprocessableEntity, f, f.FormError)
	}
	if reason != "" {
		return h.holdInQuarantine(c, f, lead, reason)
	}
	var hooks []models.TxHook
	if h.OnLeadSaved != nil {
		hooks = append(hooks, h.OnLeadSaved)
	}
	if countInSave {
		err = h.Store.SaveLeadCounted(ctx, lead, shared.request(c.RealIP(), now), hooks...)
		if errors.Is(err, models.ErrOverLimit) {
			_, wait := models.RateMinute(now)
			return h.overSubmitLimit(c, f, wait)
		}
		h.countCompleted(f)
	} else {
		err = h.Store.SaveLead(ctx, lead, hooks...)
	}
	if errors.Is(err, models.ErrDuplicateSubmission) {
		return h.resubmitted(c, f, lead)
	}
	if err != nil {
		return h.saveFailed(c, f, err)
	}
	h.Funnel.Inc(models.MetricLeads)
	h.Metrics.LeadSaved()
	return c.Redirect(http.StatusSeeOther, resultPath(c, lead.Token))
}

// overSubmitLimit shows the form again, every answer kept, to a client
// over the submission limit, with the seconds to wait.
func (h *Handlers) overSubmitLimit(c echo.Context, f *diagnosticForm, wait int) error {
	f.Errors = map[string]string{}
	return h.renderDiagnostic(c, tooManyRequests(c, wait), f, fmt.Sprintf(
		"You have sent this form many times in the last minute, so we paused it. Nothing is lost: your answers are all below. Please send it again in %s.", seconds(wait)))
}

// holdInQuarantine stores a suspect submission and shows its result.
func (h *Handlers) holdInQuarantine(c echo.Context, f *diagnosticForm, lead *models.Lead, reason string) error {
	q, err := h.Store.Quarantine(c.Request().Context(), lead, reason)
	if errors.Is(err, models.ErrDuplicateSubmission) {
		return h.resubmitted(c, f, lead)
	}
	if err != nil {
		return h.saveFailed(c, f, err)
	}
	h.Metrics.Quarantined()
	h.Logger.Warn("submission quarantined", slog.String("id", requestID(c)), slog.String("reason", reason))
	return c.Redirect(http.StatusSeeOther, resultPath(c, q.Token))
}

// resubmitted answers a form sent again (a double click, a resubmit, a
// retry after a timeout) with the result its first submission saved. The
// same form coming back with someone else's address is a replayed form, not
// a retry: it is quarantined, without the form's key.
func (h *Handlers) resubmitted(c echo.Context, f *diagnosticForm, lead *models.Lead) error {
	ctx := c.Request().Context()
	token, email := "", ""
	first, err := h.Store.LeadBySubmissionKey(ctx, f.SubmissionKey)
	if err == nil {
		token, email = first.Token, first.Email
	} else if errors.Is(err, models.ErrNotFound) {
		var q *models.Quarantined
		if q, err = h.Store.QuarantinedBySubmissionKey(ctx, f.SubmissionKey); err == nil {
			token, email = q.Token, q.Lead.Email
		}
	}
	if err != nil {
		return h.saveFailed(c, f, err)
	}
	if !strings.EqualFold(email, f.Email) {
		replay := *lead
		replay.ID, replay.Token, replay.SubmissionKey = 0, "", nil
		return h.holdInQuarantine(c, f, &replay, models.QuarantineReused)
	}
	return c.Redirect(http.StatusSeeOther, resultPath(c, token))
}

// saveFailed shows the form again, every answer kept, when the database
// could not take it.
func (h *Handlers) saveFailed(c echo.Context, f *diagnosticForm, err error) error {
	h.Logger.Error("save lead", slog.String("id", requestID(c)), slog.Any("error", err))
	return h.renderDiagnostic(c, http.StatusServiceUnavailable, f,
		"We couldn’t save your answers just now. Nothing is lost: they are all still below. Please send them again in a moment.")
}

// requestID is the id the request log gives this request.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// seconds says a short wait in words.
func seconds(n int) string {
	if n == 1 {
		return "a second"
	}
	return strconv.Itoa(n) + " seconds"
}

// diagnosticExpired answers a submission whose form token is missing or
// stale: the visitor sees their answers again with a fresh token.
func (h *Handlers) diagnosticExpired(c echo.Context) error {
	return h.diagnosticAgain(c, http.StatusForbidden,
		"This form had expired, so nothing was saved yet. Your answers are still here: please check them and send the form again.")
}

// diagnosticAgain shows a submission's form again, with every answer it
// carried, status and a message saying why nothing was saved.
func (h *Handlers) diagnosticAgain(c echo.Context, status int, message string) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	f := parseDiagnosticForm(values, h.Diagnostic, h.Consent)
	f.Errors = map[string]string{}
	return h.renderDiagnostic(c, status, f, message)
}

// newLead turns a valid form and its score into a lead to store.
func (h *Handlers) newLead(f *diagnosticForm, r diagnostic.Result, now time.Time) *models.Lead {
	lead := &models.Lead{
		Name: f.Name, Email: f.Email, Company: f.Company, Role: f.Role, TeamSize: f.teamSizeNumber(),
		DiagnosticVersion: h.Diagnostic.Version,
		SubmissionKey:     optional(f.SubmissionKey),
		OverallIndex:      r.Index,
		Band:              r.Band.ID,
		Source:            models.Source(f.Source),
		CreatedAt:         now,
	}
	for i, q := range h.Diagnostic.Questions {
		opt, _ := q.Option(f.Answers[q.ID])
		lead.Answers = append(lead.Answers, models.Answer{
			QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension, QuestionText: q.Text,
			Value: opt.Value, Label: opt.Label, Points: opt.Points,
		})
	}
	for i, d := range r.Dimensions {
		lead.Scores = append(lead.Scores, models.Score{Dimension: d.Dimension.ID, Position: i + 1, Score: d.Score})
	}
	for _, p := range h.Consent.Purposes {
		lead.Consents = append(lead.Consents, models.Consent{
			Purpose: p.ID, Granted: f.Consents[p.ID], DecidedAt: now,
			WordingVersion: h.Consent.Version, WordingSHA256: p.SHA256, Wording: p.Label,
		})
	}
	return lead
}

// renderDiagnostic shows the form with whatever the visitor already gave.
func (h *Handlers) renderDiagnostic(c echo.Context, status int, f *diagnosticForm, notice string) error {
	noStore(c)
	page := h.diagnosticView(csrfToken(c), status, f, notice)
	if ev := embedded(c); ev != nil {
		page.Action, page.Embed = embedDiagnosticPath, ev
		return c.Render(status, "embed/diagnostic", page)
	}
	return c.Render(status, "diagnostic", page)
}

// diagnosticView is the form's page with whatever the visitor already gave.
func (h *Handlers) diagnosticView(csrf string, status int, f *diagnosticForm, notice string) diagnosticPage {
	def := h.Diagnostic
	page := diagnosticPage{
		Meta: views.Meta{
			Title:       def.Title + " — a five-minute diagnostic from StellaPop",
			Description: def.Intro,
			Canonical:   h.absURL("/diagnostic"),
		},
		Title: def.Title, Intro: def.Intro, CSRF: csrf, Notice: notice, Source: f.Source,
		Submission: f.SubmissionKey, Action: "/diagnostic",
	}
	if page.Submission == "" {
		page.Submission = newSubmissionKey()
	}
	page.Stamp = h.stampAgain(f.Stamp, page.Submission, time.Now())
	if status != http.StatusOK {
		page.Meta.Title = "Please check your answers — " + def.Title
	}
	if status == http.StatusOK {
		page.StepsVersion = def.Version
	}
	page.Steps, page.ErrorList = questionSteps(def, f)
	page.TotalSteps = len(page.Steps) + 1

	field := func(name, label, typ, value, autocomplete string, max int, required bool) fieldView {
		fv := fieldView{ID: name, Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete,
			MaxLength: max, Required: required, Error: f.Errors[name]}
		if fv.Error != "" {
			page.ErrorList = append(page.ErrorList, errorLink{name, fv.Error})
		}
		return fv
	}
	page.Fields.Name = field("name", "Your name", "text", f.Name, "name", maxNameLen, true)
	page.Fields.Email = field("email", "Your work email", "email", f.Email, "email", maxEmailLen, true)
	page.Fields.Email.Hint = "We send your summary here."
	page.Fields.Company = field("company", "Company", "text", f.Company, "organization", maxCompanyLen, true)
	page.Fields.Role = field("role", "Your role", "text", f.Role, "organization-title", maxRoleLen, true)
	page.Fields.TeamSize = field("team_size", "How many people are in your team?", "text", f.TeamSize, "off", 7, false)
	page.Fields.TeamSize.InputMode = "numeric"

	for _, p := range h.Consent.Purposes {
		cv := consentView{ID: p.ID, Label: p.Label, Required: p.Required, Checked: f.Consents[p.ID], Error: f.Errors["consent-"+p.ID]}
		if cv.Error != "" {
			page.ErrorList = append(page.ErrorList, errorLink{"consent-" + p.ID, cv.Error})
		}
		page.Consents = append(page.Consents, cv)
	}
	return page
}

// stampAgain is the served-time stamp for a form shown again: the one it
// carried while that is valid, so the time a person spent answering it
// counts, or else now's.
func (h *Handlers) stampAgain(stamp, submission string, now time.Time) string {
	if at, ok := h.stamper.servedAt(stamp, submission); ok && now.Sub(at) < stampMaxAge {
		return stamp
	}
	return h.stamper.stamp(submission, now)
}

// optional is nil for an empty string, so an absent key stores NULL.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// questionSteps are the diagnostic's questions in steps of
// questionsPerStep, with what f already holds and its errors.
func questionSteps(def *diagnostic.Definition, f *diagnosticForm) (steps []stepView, errs []errorLink) {
	for i, q := range def.Questions {
		if i%questionsPerStep == 0 {
			n := len(steps) + 1
			steps = append(steps, stepView{Number: n, Title: fmt.Sprintf("About your manager (part %d)", n)})
		}
		qv := questionView{ID: q.ID, Field: diagnostic.AnswerField(q.ID), Text: q.Text, Number: i + 1, Error: f.Errors["q-"+q.ID]}
		for _, o := range q.Options {
			qv.Options = append(qv.Options, optionView{Value: o.Value, Label: o.Label, Checked: f.Raw[q.ID] == strconv.Itoa(o.Value)})
		}
		if qv.Error != "" {
			errs = append(errs, errorLink{"q-" + q.ID, qv.Error})
		}
		step := &steps[len(steps)-1]
		step.Questions = append(step.Questions, qv)
	}
	return steps, errs
}
