package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/insights"
)

type answersPage struct {
	insightsPage
	Questions  []answeredQuestion
	OtherLabel bool // the version is not the current one: labels are the current version's
}

type answeredQuestion struct {
	ID, Text, Total string
	Chart           chart.BarChart
	Options         []answeredOption
}

type answeredOption struct {
	Label, Count, Share string
}

// loadAnswers reads the report's parameters and figures.
func (h *Handlers) loadAnswers(c echo.Context) (answersPage, []insights.QuestionPattern, error) {
	base, err := h.newInsightsPage(c, "Answer patterns", "/admin/insights/answers", false)
	if err != nil {
		return answersPage{}, nil, err
	}
	base.CSV = "/admin/insights/answers.csv?" + base.Params.Query()
	p := answersPage{insightsPage: base, OtherLabel: base.Params.Version != h.Diagnostic.Version}
	stats, err := h.Store.AnswerStats(c.Request().Context(), base.Params.Version, base.Params.From, base.Params.To)
	if err != nil {
		return p, nil, err
	}
	return p, insights.AnswerPatterns(h.Diagnostic, stats), nil
}

// AnswerPatterns shows, for each question of a diagnostic version, how
// many leads chose each option over the range.
func (h *Handlers) AnswerPatterns(c echo.Context) error {
	p, patterns, err := h.loadAnswers(c)
	if err != nil {
		return err
	}
	for i, q := range patterns {
		qv := answeredQuestion{ID: q.ID, Text: q.Text, Total: thousands(q.Total)}
		var items []countItem
		for _, o := range q.Options {
			share := insights.Rate(o.Count, q.Total)
			items = append(items, countItem{Label: o.Label, Count: o.Count, Share: share, Note: share + " of answers"})
			qv.Options = append(qv.Options, answeredOption{Label: o.Label, Count: thousands(o.Count), Share: share})
		}
		qv.Chart = newCountChart(fmt.Sprintf("q%d", i+1), fmt.Sprintf("Question %d: %s — answers by option", i+1, q.Text), items)
		qv.Chart.Empty = "No answers in this range."
		p.Questions = append(p.Questions, qv)
	}
	return c.Render(http.StatusOK, "admin/insights_answers", p)
}

// AnswerPatternsCSV downloads the answer patterns as shown.
func (h *Handlers) AnswerPatternsCSV(c echo.Context) error {
	p, patterns, err := h.loadAnswers(c)
	if err != nil {
		return err
	}
	return sendTable(c, "answers", p.Params, insights.AnswerTable(p.Params, patterns))
}
