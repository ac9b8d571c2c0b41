package handlers

import (
	"context"
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/booking"
	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/views"
)

type resultPage struct {
	Meta        views.Meta
	FirstName   string
	Result      diagnostic.Result
	Chart       chart.BarChart
	ArticlePath string
	BookingURL  string
	Embed       *embedView      // set when the result shows in another site's frame
	FullResult  string          // in a frame: the full result page's address
	ReportPath  string          // the result as a PDF
	Team        *teamSection    // inviting colleagues; nil in a frame
	Benchmark   *peer.Benchmark // compared with other managers; nil: not shown
}

// resultDescription says what a result page is, for the browser and for
// link previews when a visitor shares it; it names no one and no score.
const resultDescription = "How your manager leads and manages across the five contrasts, with practical next steps, from StellaPop's five-minute diagnostic."

// Result shows a lead's personal result. The token in the address is the
// only key, so the page is private: never indexed, never cached.
func (h *Handlers) Result(c echo.Context) error {
	noStore(c)
	lead, held, err := h.resultLead(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	page := h.resultPageOf(lead, h.storedResult(lead))
	if err := h.addBenchmark(c.Request().Context(), &page, lead, held); err != nil {
		return err
	}
	if page.Team, err = h.teamSectionFor(c.Request().Context(), c, lead, held); err != nil {
		return err
	}
	page.Team.Notice = inviteNotice(c)
	return renderCompressed(c, "result", page)
}

// resultView is the result page of the lead (or held submission) token
// names.
func (h *Handlers) resultView(c echo.Context, token string) (resultPage, error) {
	lead, held, err := h.resultLead(c.Request().Context(), token)
	if err != nil {
		return resultPage{}, err
	}
	page := h.resultPageOf(lead, h.storedResult(lead))
	return page, h.addBenchmark(c.Request().Context(), &page, lead, held)
}

// addBenchmark puts the lead's peer benchmark on its result page; held
// says the lead waits in quarantine, not yet among the stored results.
func (h *Handlers) addBenchmark(ctx context.Context, page *resultPage, lead *models.Lead, held bool) (err error) {
	page.Benchmark, err = h.Peers.Compare(ctx, lead, page.Result, !held)
	return err
}

// resultPageOf is the result page of lead, scored as result.
func (h *Handlers) resultPageOf(lead *models.Lead, result diagnostic.Result) resultPage {
	return resultPage{
		Meta: views.Meta{Title: "Your result: " + result.Band.Title + " — StellaPop", NoIndex: true,
			Description: resultDescription},
		FirstName:   models.FirstName(lead.Name),
		Result:      result,
		Chart:       chart.Scores(h.Diagnostic, result),
		ArticlePath: ArticlePath,
		BookingURL:  h.bookingLink(lead),
		ReportPath:  resultPagePath(lead.Token) + "/report.pdf",
	}
}

// bookingLink is "Book a conversation" for a lead: BOOKING_URL, filled in
// with the lead's name, email and result link where the provider takes them.
func (h *Handlers) bookingLink(lead *models.Lead) string {
	return booking.Link(h.BookingURL, booking.Prefill{
		Name: lead.Name, Email: lead.Email, ResultURL: h.absURL(resultPagePath(lead.Token)),
	})
}

// resultPagePath is the address of a lead's result page.
func resultPagePath(token string) string { return "/results/" + token }

// resultLead finds the lead a result token opens, or the submission held
// in quarantine it opens (held).
func (h *Handlers) resultLead(ctx context.Context, token string) (lead *models.Lead, held bool, err error) {
	lead, err = h.Store.LeadByToken(ctx, token)
	if errors.Is(err, models.ErrNotFound) {
		// A quarantined submission shows its result like any other: a
		// person wrongly suspected must not be told they look like a bot.
		var q *models.Quarantined
		if q, err = h.Store.QuarantinedByToken(ctx, token); err == nil {
			return &q.Lead, true, nil
		}
	}
	return lead, false, err
}

// storedResult is a lead's result as it was scored when the lead was
// saved: the stored scores, index and band; only the words (band and
// dimension copy) come from the diagnostic's current definition.
func (h *Handlers) storedResult(lead *models.Lead) diagnostic.Result {
	result := h.Diagnostic.ResultFrom(lead.ScoreMap())
	// The index was scored when the lead was saved; show that, not a recount.
	result.Index = lead.OverallIndex
	if b, ok := h.Diagnostic.Band(lead.Band); ok {
		result.Band = b
	}
	return result
}
