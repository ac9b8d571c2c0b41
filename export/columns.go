package export

import (
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Header is the first row of every export, in CSV and XLSX alike:
//
//	lead_id, email, first_name, last_name, company, role, team_size, band,
//	index, score_<dimension> (one per dimension, in the diagnostic's order),
//	marketing_consent_at, consent_wording_version, landing_page, referrer,
//	utm_source, utm_medium, utm_campaign, utm_term, utm_content, status,
//	owner_email, created_at, marketing_consent_withdrawn_at, team_invited,
//	team_answers
//
// Columns are only ever added, at the end or among the scores when the
// diagnostic gains a dimension, so scripts that read by name keep working.
// first_name and last_name are models.SplitName's, as every greeting is.
// team_invited and team_answers are how far the lead's team view has come:
// colleagues invited, and their answers in (counts only, never answers).
func Header(def *diagnostic.Definition) []string {
	h := []string{"lead_id", "email", "first_name", "last_name", "company", "role", "team_size", "band", "index"}
	for _, d := range def.Dimensions {
		h = append(h, "score_"+d.ID)
	}
	return append(h, "marketing_consent_at", "consent_wording_version", "landing_page", "referrer",
		"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "status", "owner_email", "created_at",
		"marketing_consent_withdrawn_at", "team_invited", "team_answers")
}

func dimensionIDs(def *diagnostic.Definition) []string {
	ids := make([]string, len(def.Dimensions))
	for i, d := range def.Dimensions {
		ids[i] = d.ID
	}
	return ids
}

// cell is one cell of a row. Typed rather than an interface, so a million
// rows box no values on their way to a file.
type cell struct {
	s    string
	n    int64
	kind cellKind
}

type cellKind uint8

const (
	plainKind   cellKind = iota // our own text: a time, or a number the database wrote
	textKind                    // text a person typed, which SafeCell guards
	numberKind                  // n
	numeralKind                 // s: a number the database wrote as text, "" for none
)

func plain(s string) cell      { return cell{s: s} }
func text(s string) cell       { return cell{s: s, kind: textKind} }
func number(n int64) cell      { return cell{n: n, kind: numberKind} }
func numeral(s string) cell    { return cell{s: s, kind: numeralKind} }
func rfc3339(t time.Time) cell { return plain(t.UTC().Format(time.RFC3339)) }

// xlsx is the cell's value for excelize: a number stays a number, and an
// empty cell is left out rather than written as empty text.
func (c cell) xlsx() any {
	switch {
	case c.kind == numberKind:
		return c.n
	case c.s == "":
		return nil
	case c.kind == textKind:
		return SafeCell(c.s)
	}
	return c.s
}

// contactCells appends c's row in Header's order.
func contactCells(c *models.ExportContact, cells []cell) []cell {
	first, last := models.SplitName(c.Name)
	team := cell{}
	if c.TeamSize != nil {
		team = number(int64(*c.TeamSize))
	}
	cells = append(cells, number(c.ID), text(c.Email), text(first), text(last),
		text(c.Company), text(c.Role), team, text(c.Band), number(int64(c.Index)))
	for _, s := range c.Scores {
		if s.Valid {
			cells = append(cells, number(s.Int64))
		} else {
			cells = append(cells, cell{})
		}
	}
	consentAt, withdrawnAt := cell{}, cell{}
	if c.ConsentAt != nil {
		consentAt = rfc3339(*c.ConsentAt)
	}
	if c.ConsentWithdrawnAt != nil {
		withdrawnAt = rfc3339(*c.ConsentWithdrawnAt)
	}
	src := c.Source
	return append(cells, consentAt, text(c.ConsentVersion), text(src.LandingPage), text(src.Referrer),
		text(src.UTMSource), text(src.UTMMedium), text(src.UTMCampaign), text(src.UTMTerm), text(src.UTMContent),
		text(c.Status), text(c.OwnerEmail), rfc3339(c.CreatedAt), withdrawnAt,
		number(int64(c.TeamInvited)), number(int64(c.TeamAnswers)))
}

// copyCells appends the row of a models.ExportCopy row's fields in
// Header's order: the same cells contactCells makes of the same contact,
// the database having written the numbers and times already.
func copyCells(f []string, dims int, cells []cell) []cell {
	first, last := models.SplitName(f[models.CopyName])
	cells = append(cells, numeral(f[models.CopyID]), text(f[models.CopyEmail]), text(first), text(last),
		text(f[models.CopyCompany]), text(f[models.CopyRole]), numeral(f[models.CopyTeamSize]),
		text(f[models.CopyBand]), numeral(f[models.CopyIndex]))
	for _, s := range f[models.CopyIndex+1 : models.CopyIndex+1+dims] {
		cells = append(cells, numeral(s))
	}
	after := f[models.CopyIndex+1+dims:]
	return append(cells, plain(after[models.CopyConsentAt]), text(after[models.CopyConsentVersion]),
		text(after[models.CopyLandingPage]), text(after[models.CopyReferrer]),
		text(after[models.CopyUTMSource]), text(after[models.CopyUTMMedium]), text(after[models.CopyUTMCampaign]),
		text(after[models.CopyUTMTerm]), text(after[models.CopyUTMContent]),
		text(after[models.CopyStatus]), text(after[models.CopyOwnerEmail]), plain(after[models.CopyCreatedAt]),
		plain(after[models.CopyConsentWithdrawnAt]), numeral(after[models.CopyTeamInvited]), numeral(after[models.CopyTeamAnswers]))
}
