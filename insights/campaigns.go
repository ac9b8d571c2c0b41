package insights

import (
	"cmp"
	"slices"
	"strings"

	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// CampaignColumn is a column the campaign report can be sorted by.
type CampaignColumn struct {
	ID, Label string
	Text      bool // sorted A to Z first; numbers largest first
	value     func(models.CampaignResult) int64
	text      func(models.CampaignResult) string
}

// CampaignColumns are the report's columns, in the table's order.
var CampaignColumns = []CampaignColumn{
	{ID: "source", Label: "Source", Text: true, text: func(r models.CampaignResult) string { return r.Source }},
	{ID: "campaign", Label: "Campaign", Text: true, text: func(r models.CampaignResult) string { return r.Campaign }},
	{ID: "starts", Label: "Diagnostic starts", value: func(r models.CampaignResult) int64 { return r.Starts }},
	{ID: "leads", Label: "Leads", value: func(r models.CampaignResult) int64 { return r.Leads }},
	{ID: "qualified", Label: "Qualified", value: func(r models.CampaignResult) int64 { return r.Qualified }},
	{ID: "proposals", Label: "Proposals", value: func(r models.CampaignResult) int64 { return r.Proposals }},
	{ID: "won", Label: "Won", value: func(r models.CampaignResult) int64 { return r.Won }},
}

// DefaultCampaignSort is the column the report sorts by when the URL
// names none: most leads first.
const DefaultCampaignSort = "leads"

// CampaignSort reads the sort and direction parameters: a column's ID and
// "asc" or "desc". An unknown column or direction falls back to the
// default, with a problem saying so.
func CampaignSort(sort, dir string) (column string, desc bool, problems []string) {
	column = sort
	i := slices.IndexFunc(CampaignColumns, func(c CampaignColumn) bool { return c.ID == sort })
	if i < 0 {
		if sort != "" {
			problems = append(problems, "The report can’t be sorted by that column, so it is sorted by leads.")
		}
		column, i = DefaultCampaignSort, slices.IndexFunc(CampaignColumns, func(c CampaignColumn) bool { return c.ID == DefaultCampaignSort })
	}
	switch dir {
	case "asc":
	case "desc":
		desc = true
	case "":
		desc = !CampaignColumns[i].Text
	default:
		problems = append(problems, "The sort direction must be asc or desc.")
		desc = !CampaignColumns[i].Text
	}
	return column, desc, problems
}

// SortCampaigns sorts rows by column, then by source and campaign; the
// row of starts past the cap stays last.
func SortCampaigns(rows []models.CampaignResult, column string, desc bool) {
	i := slices.IndexFunc(CampaignColumns, func(c CampaignColumn) bool { return c.ID == column })
	if i < 0 {
		return
	}
	col := CampaignColumns[i]
	slices.SortStableFunc(rows, func(a, b models.CampaignResult) int {
		if a.Other != b.Other {
			if a.Other {
				return 1
			}
			return -1
		}
		var c int
		if col.Text {
			c = strings.Compare(col.text(a), col.text(b))
		} else {
			c = cmp.Compare(col.value(a), col.value(b))
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Source, b.Source), strings.Compare(a.Campaign, b.Campaign))
	})
}

// Conversions are a campaign's rates from each step to the next.
type Conversions struct {
	StartToLead, LeadToQualified, QualifiedToProposal, ProposalToWon string
}

// Convert is r's conversion at each step.
func Convert(r models.CampaignResult) Conversions {
	return Conversions{
		StartToLead:         Rate(r.Leads, r.Starts),
		LeadToQualified:     Rate(r.Qualified, r.Leads),
		QualifiedToProposal: Rate(r.Proposals, r.Qualified),
		ProposalToWon:       Rate(r.Won, r.Proposals),
	}
}

// NoSource is how a lead without a source or campaign is named.
const NoSource = "(none)"

// OtherStarts names the starts counted together past the daily cap.
const OtherStarts = "(other campaigns, past the daily cap)"

// CampaignTable is the campaign report as a spreadsheet.
func CampaignTable(p Params, rows []models.CampaignResult) export.Table {
	t := export.Table{Header: []string{"from", "to", "diagnostic_version", "utm_source", "utm_campaign",
		"diagnostic_starts", "leads", "qualified", "proposals", "won",
		"start_to_lead", "lead_to_qualified", "qualified_to_proposal", "proposal_to_won"}}
	version := p.Version
	if version == "" {
		version = "all"
	}
	for _, r := range rows {
		source, campaign := export.Text(r.Source), export.Text(r.Campaign)
		if r.Other {
			source, campaign = export.Plain(OtherStarts), export.Plain("")
		}
		c := Convert(r)
		t.Rows = append(t.Rows, []export.Cell{export.Plain(p.From), export.Plain(p.To), export.Text(version), source, campaign,
			export.Number(r.Starts), export.Number(r.Leads), export.Number(r.Qualified), export.Number(r.Proposals), export.Number(r.Won),
			export.Plain(c.StartToLead), export.Plain(c.LeadToQualified), export.Plain(c.QualifiedToProposal), export.Plain(c.ProposalToWon)})
	}
	return t
}
