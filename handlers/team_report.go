package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
	"github.com/stellapop/intake/views"
)

// teamReportPage is the inviter's team view: locked, only how many
// answers are in; unlocked, the team's pooled scores beside the inviter's.
type teamReportPage struct {
	Meta       views.Meta
	FirstName  string
	ResultPath string
	Answers    int64
	Needed     int
	Unlocked   bool
	View       teamReportView
}

// teamReportView is what the shared team-report partial shows: an
// unlocked team view, worded for the inviter or for the firm.
type teamReportView struct {
	Report     team.Report
	ForInviter bool
}

// TeamReport shows the inviter's team view. Before enough colleagues have
// answered it shows how many have, and nothing else.
func (h *Handlers) TeamReport(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	lead, err := h.Store.LeadByToken(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	page := teamReportPage{
		Meta:       views.Meta{Title: "Your team’s view of your manager — StellaPop", NoIndex: true},
		FirstName:  models.FirstName(lead.Name),
		ResultPath: resultPagePath(lead.Token),
		Needed:     team.UnlockAt(h.TeamMinAnswers),
	}
	report, unlocked, err := team.LeadReport(ctx, h.Store, h.Diagnostic, lead, h.TeamMinAnswers)
	if err != nil {
		return err
	}
	page.Answers, page.Unlocked, page.View = int64(lead.TeamAnswers), unlocked, teamReportView{Report: report, ForInviter: true}
	return c.Render(http.StatusOK, "team_report", page)
}
