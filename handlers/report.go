package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/report"
	"github.com/stellapop/intake/team"
)

// ResultPDF serves a lead's result as a PDF, opened by the same token as
// the result page and as private: never cached, never indexed.
func (h *Handlers) ResultPDF(c echo.Context) error {
	ctx := c.Request().Context()
	lead, held, err := h.resultLead(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	result := h.storedResult(lead)
	bench, err := h.Peers.Compare(ctx, lead, result, !held)
	if err != nil {
		return err
	}
	in := report.Result{
		Benchmark:  bench,
		Definition: h.Diagnostic,
		Result:     result,
		Name:       lead.Name,
		FirstName:  models.FirstName(lead.Name),
		Taken:      lead.CreatedAt,
		ArticleURL: h.absURL(ArticlePath),
		BookingURL: h.bookingLink(lead),
		ResultURL:  h.absURL(resultPagePath(lead.Token)),
	}
	// The team's results join the PDF once its view has unlocked.
	teamReport, unlocked, err := team.LeadReport(ctx, h.Store, h.Diagnostic, lead, h.TeamMinAnswers)
	if err != nil {
		return err
	}
	if unlocked {
		in.Team = &teamReport
	}
	var buf bytes.Buffer
	if err := h.reports.WriteResult(&buf, in); err != nil {
		return err
	}
	return servePDF(c, "stellapop-result.pdf", buf.Bytes())
}

// LeadBrief serves the one-page brief a consultant takes into the first
// call with a lead. Opening it is recorded in the lead's history.
func (h *Handlers) LeadBrief(c echo.Context) error {
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
	now := time.Now()
	if _, err := h.Store.RecordBriefView(ctx, id, currentUser(c).ID, now); err != nil {
		return err
	}
	owner := ""
	if lead.Owner != nil {
		owner = lead.Owner.DisplayName()
	}
	var buf bytes.Buffer
	err = h.reports.WriteBrief(&buf, report.Brief{
		Definition: h.Diagnostic,
		Lead:       lead,
		Result:     h.storedResult(lead),
		Status:     nameFor(leadStatusNames, lead.Status),
		Owner:      owner,
		FollowUp:   lead.FollowUpOn,
		Notes:      notes,
		Made:       now,
		LeadURL:    h.absURL(leadPath(id)),
	})
	if err != nil {
		return err
	}
	return servePDF(c, "lead-"+strconv.FormatInt(id, 10)+"-brief.pdf", buf.Bytes())
}

// servePDF answers with a PDF shown in the browser, private to whoever
// opened it: neither cached nor indexed.
func servePDF(c echo.Context, filename string, pdf []byte) error {
	noStore(c)
	hdr := c.Response().Header()
	hdr.Set("X-Robots-Tag", "noindex")
	hdr.Set("Content-Disposition", `inline; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
