package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
	"github.com/stellapop/intake/views"
)

// teamAnswerPage is the diagnostic as an invited colleague answers it:
// the same questions, no contact step.
type teamAnswerPage struct {
	Meta       views.Meta
	Title      string
	FirstName  string
	Company    string
	CSRF       string
	Notice     string
	Steps      []stepView
	TotalSteps int
	ErrorList  []errorLink
	Action     string
	NeverPath  string
	Needed     int
}

// invitationFor finds the open invitation of the link's token and its
// inviter, or answers with the friendly page why not: 404 unknown, 410
// used or expired (or asked about questions that have since changed).
func (h *Handlers) invitationFor(c echo.Context) (*models.TeamInvitation, *models.Lead, error) {
	ctx := c.Request().Context()
	inv, err := h.Store.InvitationByToken(ctx, c.Param("token"))
	if err != nil {
		return nil, nil, err
	}
	if inv.UsedOn != nil {
		return nil, nil, h.invitationGone(c, "This invitation was already used",
			"Thank you: the answers for this invitation are in. Each invitation can be answered once, so that every colleague counts once.")
	}
	if time.Now().After(inv.ExpiresAt) {
		return nil, nil, h.invitationGone(c, "This invitation has expired",
			"Invitations work for 30 days, and this one has ended. If you would still like to answer, ask your colleague to invite you again.")
	}
	lead, err := h.Store.LeadByID(ctx, inv.LeadID)
	if err != nil {
		return nil, nil, err
	}
	if lead.DiagnosticVersion != h.Diagnostic.Version {
		return nil, nil, h.invitationGone(c, "These questions have changed",
			"The diagnostic has been revised since you were invited, so answers to it would not compare with your colleague’s. Thank you for your time.")
	}
	return inv, lead, nil
}

// errAnswered says invitationFor already answered the request.
var errAnswered = errors.New("answered")

func (h *Handlers) invitationGone(c echo.Context, heading, message string) error {
	noStore(c)
	if err := c.Render(http.StatusGone, "error", errorPage{
		Meta: views.Meta{Title: heading + " — StellaPop", NoIndex: true}, Status: http.StatusGone, Heading: heading, Message: message,
	}); err != nil {
		return err
	}
	return errAnswered
}

// TeamAnswerForm shows an invited colleague the diagnostic's questions.
func (h *Handlers) TeamAnswerForm(c echo.Context) error {
	noStore(c)
	_, lead, err := h.invitationFor(c)
	if err != nil {
		return answered(err)
	}
	return h.renderTeamAnswer(c, http.StatusOK, lead, &diagnosticForm{Errors: map[string]string{}, Raw: map[string]string{}}, "")
}

// SubmitTeamAnswer stores a colleague's answers with the team, uses the
// invitation in the same transaction, and, when this answer unlocks the
// team view, queues the inviter's email there too.
func (h *Handlers) SubmitTeamAnswer(c echo.Context) error {
	noStore(c)
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	_, lead, err := h.invitationFor(c)
	if err != nil {
		return answered(err)
	}
	f := &diagnosticForm{Answers: map[string]int{}, Raw: map[string]string{}, Errors: map[string]string{}}
	f.readAnswers(values, h.Diagnostic)
	if !f.valid() {
		return h.renderTeamAnswer(c, http.StatusUnprocessableEntity, lead, f, f.FormError)
	}
	result, err := h.Diagnostic.Score(f.Answers)
	if err != nil {
		return fmt.Errorf("score a validated team answer: %w", err)
	}
	answers, _ := json.Marshal(f.Answers)
	scores, _ := json.Marshal(result.Scores())
	err = h.Store.SaveTeamAnswer(c.Request().Context(), c.Param("token"), models.TeamAnswer{
		DiagnosticVersion: h.Diagnostic.Version, Answers: string(answers), Scores: string(scores), OverallIndex: result.Index,
	}, team.UnlockAt(h.TeamMinAnswers), time.Now().UTC(), h.OnTeamUnlocked)
	switch {
	case errors.Is(err, models.ErrInvitationUsed), errors.Is(err, models.ErrInvitationExpired):
		// Sent twice at once: the first won; this one shows why not.
		return answered(h.invitationGoneAfter(c))
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/team/thanks")
}

// invitationGoneAfter answers a second submission that lost the race.
func (h *Handlers) invitationGoneAfter(c echo.Context) error {
	_, _, err := h.invitationFor(c)
	if err == nil {
		return errors.New("invitation neither open nor used")
	}
	return err
}

// answered turns errAnswered (the page is written) into no error.
func answered(err error) error {
	if errors.Is(err, errAnswered) {
		return nil
	}
	return err
}

func (h *Handlers) renderTeamAnswer(c echo.Context, status int, lead *models.Lead, f *diagnosticForm, notice string) error {
	def := h.Diagnostic
	page := teamAnswerPage{
		Meta:  views.Meta{Title: "Your view of your manager — StellaPop", NoIndex: true},
		Title: def.Title, FirstName: models.FirstName(lead.Name), Company: lead.Company,
		CSRF: csrfToken(c), Notice: notice, Action: c.Request().URL.Path,
		NeverPath: "/team/" + c.Param("token") + "/never-email", Needed: team.UnlockAt(h.TeamMinAnswers),
	}
	if status != http.StatusOK {
		page.Meta.Title = "Please check your answers — StellaPop"
	}
	page.Steps, page.ErrorList = questionSteps(def, f)
	page.TotalSteps = len(page.Steps)
	return c.Render(status, "team_answer", page)
}

// TeamThanks thanks a colleague whose answers are in.
func (h *Handlers) TeamThanks(c echo.Context) error {
	return c.Render(http.StatusOK, "error", errorPage{
		Meta: views.Meta{Title: "Thank you — StellaPop", NoIndex: true}, Status: http.StatusOK,
		Heading: "Thank you: your answers are in",
		Message: "They are pooled with your colleagues’ answers and never shown on their own, and nothing links them to you.",
	})
}

// neverEmailPage asks an invitee to confirm "never email me again".
type neverEmailPage struct {
	Meta   views.Meta
	Action string
	CSRF   string
	Done   bool
}

// NeverEmailForm asks to confirm, so that link scanners opening every
// link in an email never opt anyone out.
func (h *Handlers) NeverEmailForm(c echo.Context) error {
	noStore(c)
	if _, err := h.Store.InvitationByToken(c.Request().Context(), c.Param("token")); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "team_never_email", neverEmailPage{
		Meta: views.Meta{Title: "Never email me again — StellaPop", NoIndex: true}, Action: c.Request().URL.Path,
	})
}

// NeverEmail puts the invitee's address (from its hash) on the
// suppression list: no lead can invite it again. It serves the confirm
// button and mail clients' one-click unsubscribe (RFC 8058).
func (h *Handlers) NeverEmail(c echo.Context) error {
	noStore(c)
	if err := h.Store.SuppressInvitee(c.Request().Context(), c.Param("token")); err != nil {
		return err
	}
	if c.FormValue("List-Unsubscribe") == "One-Click" {
		return c.String(http.StatusOK, "Unsubscribed.\n")
	}
	return c.Render(http.StatusOK, "team_never_email", neverEmailPage{
		Meta: views.Meta{Title: "We will not email you again — StellaPop", NoIndex: true}, Done: true,
	})
}
