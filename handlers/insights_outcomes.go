package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/insights"
)

type outcomesPage struct {
	insightsPage
	Bands      outcomeTable
	BandChart  chart.BarChart
	Dimensions []dimensionOutcomeView
	OtherDef   bool // the version is not the current one: ranges are the current version's
}

type outcomeView struct {
	Label, Leads, Won, Lost, WonRate, LostRate string
	Few                                        bool
}

// outcomeTable is a table of outcomes: its caption, first column's
// heading and rows.
type outcomeTable struct {
	Caption, First string
	Rows           []outcomeView
}

type dimensionOutcomeView struct {
	ID, Name string
	Chart    chart.BarChart
	Table    outcomeTable
}

func outcomeViewOf(o insights.Outcome) outcomeView {
	return outcomeView{Label: o.Label, Leads: thousands(o.Leads), Won: thousands(o.Won), Lost: thousands(o.Lost),
		WonRate: o.WonRate(), LostRate: o.LostRate(), Few: o.Few()}
}

// loadOutcomes reads the report's parameters and figures.
func (h *Handlers) loadOutcomes(c echo.Context) (outcomesPage, []insights.Outcome, []insights.DimensionOutcomes, error) {
	base, err := h.newInsightsPage(c, "Does the score predict business?", "/admin/insights/outcomes", false)
	if err != nil {
		return outcomesPage{}, nil, nil, err
	}
	base.CSV = "/admin/insights/outcomes.csv?" + base.Params.Query()
	p := outcomesPage{insightsPage: base, OtherDef: base.Params.Version != h.Diagnostic.Version}
	ctx := c.Request().Context()
	bandRows, err := h.Store.BandOutcomes(ctx, base.Params.Version, base.Params.From, base.Params.To)
	if err != nil {
		return p, nil, nil, err
	}
	scoreRows, err := h.Store.ScoreOutcomes(ctx, base.Params.Version)
	if err != nil {
		return p, nil, nil, err
	}
	return p, insights.BandOutcomes(h.Diagnostic, bandRows), insights.ScoreOutcomesByDimension(h.Diagnostic, scoreRows), nil
}

// ScoreOutcomes shows how often leads were won and lost by band and by
// each dimension's score range, with the number of leads behind each
// figure, so the firm can see whether its bands mean something.
func (h *Handlers) ScoreOutcomes(c echo.Context) error {
	p, bands, dims, err := h.loadOutcomes(c)
	if err != nil {
		return err
	}
	var items []rateItem
	p.Bands = outcomeTable{Caption: "Won and lost by band", First: "Band"}
	for _, b := range bands {
		p.Bands.Rows = append(p.Bands.Rows, outcomeViewOf(b))
		items = append(items, rateItem{Label: b.Label, Part: b.Won, Whole: b.Leads, Few: b.Few()})
	}
	p.BandChart = newRateChart("bands", "Share of leads won, by band", items)
	for _, d := range dims {
		dv := dimensionOutcomeView{ID: d.ID, Name: d.Name, Table: outcomeTable{Caption: "Won and lost by " + d.Name + " score", First: "Score"}}
		var items []rateItem
		for _, r := range d.Ranges {
			dv.Table.Rows = append(dv.Table.Rows, outcomeViewOf(r))
			items = append(items, rateItem{Label: "Score " + r.Label, Part: r.Won, Whole: r.Leads, Few: r.Few()})
		}
		dv.Chart = newRateChart("dim-"+d.ID, "Share of leads won, by "+d.Name+" score", items)
		p.Dimensions = append(p.Dimensions, dv)
	}
	return c.Render(http.StatusOK, "admin/insights_outcomes", p)
}

// ScoreOutcomesCSV downloads the outcomes report as shown.
func (h *Handlers) ScoreOutcomesCSV(c echo.Context) error {
	p, bands, dims, err := h.loadOutcomes(c)
	if err != nil {
		return err
	}
	return sendTable(c, "outcomes", p.Params, insights.OutcomeTable(p.Params, bands, dims))
}
