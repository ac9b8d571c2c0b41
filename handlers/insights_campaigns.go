package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/insights"
	"github.com/stellapop/intake/models"
)

type campaignsPage struct {
	insightsPage
	Columns     []campaignHeader
	Rows        []campaignRow
	Chart       chart.BarChart
	Versionless bool // a version is chosen: starts are still every version's
}

// campaignHeader is a column's heading, a link that sorts by it.
type campaignHeader struct {
	Label, Href string
	Sorted      string // "ascending", "descending" or ""
	Numeric     bool
}

type campaignRow struct {
	Source, Campaign                         string
	Starts, Leads, Qualified, Proposals, Won string
	insights.Conversions
	Other bool
}

// campaignsShown is how many campaigns the chart draws: the most leads.
const campaignsShown = 10

// loadCampaigns reads the report's parameters and figures.
func (h *Handlers) loadCampaigns(c echo.Context) (campaignsPage, []models.CampaignResult, error) {
	base, err := h.newInsightsPage(c, "Campaign results", "/admin/insights/campaigns", true)
	if err != nil {
		return campaignsPage{}, nil, err
	}
	column, desc, problems := insights.CampaignSort(c.QueryParam("sort"), c.QueryParam("dir"))
	base.Problems = append(base.Problems, problems...)
	p := campaignsPage{insightsPage: base, Versionless: base.Params.Version != ""}
	rows, err := h.Store.CampaignResults(c.Request().Context(), base.Params.Version, base.Params.From, base.Params.To)
	if err != nil {
		return p, nil, err
	}
	insights.SortCampaigns(rows, column, desc)
	dir := "asc"
	if desc {
		dir = "desc"
	}
	for _, col := range insights.CampaignColumns {
		p.SortBy = append(p.SortBy, versionOption{Value: col.ID, Label: col.Label, Selected: col.ID == column})
	}
	p.SortDir = []versionOption{
		{Value: "desc", Label: "Descending", Selected: desc},
		{Value: "asc", Label: "Ascending", Selected: !desc},
	}
	p.CSV = "/admin/insights/campaigns.csv?" + base.Params.Query("sort", column, "dir", dir)
	for _, col := range insights.CampaignColumns {
		next := "asc"
		if !col.Text {
			next = "desc" // numbers open largest first
		}
		hd := campaignHeader{Label: col.Label, Numeric: !col.Text}
		if col.ID == column {
			hd.Sorted = "ascending"
			next = "desc"
			if desc {
				hd.Sorted, next = "descending", "asc"
			}
		}
		hd.Href = "/admin/insights/campaigns?" + base.Params.Query("sort", col.ID, "dir", next)
		p.Columns = append(p.Columns, hd)
	}
	return p, rows, nil
}

// CampaignResults shows, per UTM source and campaign, how many visitors
// started the diagnostic, became leads and went on to be qualified, get a
// proposal and be won, with the conversion at each step.
func (h *Handlers) CampaignResults(c echo.Context) error {
	p, rows, err := h.loadCampaigns(c)
	if err != nil {
		return err
	}
	var top []models.CampaignResult
	for _, r := range rows {
		source, campaign := r.Source, r.Campaign
		if source == "" {
			source = insights.NoSource
		}
		if campaign == "" {
			campaign = insights.NoSource
		}
		row := campaignRow{Source: source, Campaign: campaign, Starts: thousands(r.Starts), Leads: thousands(r.Leads),
			Qualified: thousands(r.Qualified), Proposals: thousands(r.Proposals), Won: thousands(r.Won),
			Conversions: insights.Convert(r), Other: r.Other}
		if r.Other {
			row.Source, row.Campaign = insights.OtherStarts, ""
		} else if r.Leads > 0 {
			top = append(top, r)
		}
		p.Rows = append(p.Rows, row)
	}
	insights.SortCampaigns(top, "leads", true)
	var items []countItem
	for _, r := range top[:min(len(top), campaignsShown)] {
		label := orNone(r.Source) + " / " + orNone(r.Campaign)
		items = append(items, countItem{Label: label, Count: r.Leads,
			Share: insights.Rate(r.Won, r.Leads) + " won", Note: insights.Rate(r.Won, r.Leads) + " of them won"})
	}
	p.Chart = newCountChart("campaigns", "Leads by source and campaign, the "+thousandsInt(len(items))+" with most leads, and the share won", items)
	return c.Render(http.StatusOK, "admin/insights_campaigns", p)
}

// CampaignResultsCSV downloads the campaign report as shown.
func (h *Handlers) CampaignResultsCSV(c echo.Context) error {
	p, rows, err := h.loadCampaigns(c)
	if err != nil {
		return err
	}
	return sendTable(c, "campaigns", p.Params, insights.CampaignTable(p.Params, rows))
}

func orNone(s string) string {
	if s == "" {
		return insights.NoSource
	}
	return s
}

func thousandsInt(n int) string { return thousands(int64(n)) }
