package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/views"
)

type resultPage struct {
	Meta        views.Meta
	FirstName   string
	Result      diagnostic.Result
	Chart       barChart
	ArticlePath string
	BookingURL  string
}

// Result shows a lead's personal result. The token in the address is the
// only key, so the page is private: never indexed, never cached.
func (h *Handlers) Result(c echo.Context) error {
	noStore(c)
	lead, err := h.Store.LeadByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	result := h.Diagnostic.ResultFrom(lead.ScoreMap())
	// The index was scored when the lead was saved; show that, not a recount.
	result.Index = lead.OverallIndex
	if b, ok := h.Diagnostic.Band(lead.Band); ok {
		result.Band = b
	}
	first, _, _ := strings.Cut(lead.Name, " ")
	return c.Render(http.StatusOK, "result", resultPage{
		Meta:        views.Meta{Title: "Your result: " + result.Band.Title + " — StellaPop", NoIndex: true},
		FirstName:   first,
		Result:      result,
		Chart:       scoreChart(result),
		ArticlePath: ArticlePath,
		BookingURL:  h.BookingURL,
	})
}
