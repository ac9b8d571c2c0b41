package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Brief is what the consultant's brief shows about one lead.
type Brief struct {
	Definition *diagnostic.Definition
	Lead       *models.Lead      // with its answers and owner loaded
	Result     diagnostic.Result // the band and index as stored with the lead
	// Status, Owner and FollowUp are the pipeline's fields in words.
	Status, Owner, FollowUp string
	Notes                   []models.Note // as stored, oldest first; the latest are shown
	Made                    time.Time
	LeadURL                 string // the lead page's absolute address
}

// Text sizes of the brief, in points: small, so that it fits one page.
const (
	briefBody    = 9
	briefHeading = 11
	// briefNotes is how many of the latest notes the brief shows, and
	// briefNoteRunes how much of each.
	briefNotes     = 3
	briefNoteRunes = 350
	labelWidth     = 30.0
)

// WriteBrief writes the consultant's one-page brief on a lead into w.
func (m *Maker) WriteBrief(w io.Writer, in Brief) error {
	lead, r := in.Lead, in.Result
	d := newDoc("Call brief: lead "+strconv.FormatInt(lead.ID, 10), in.Made)
	d.SetAutoPageBreak(false, 0)

	d.style(false, 8, mutedColour)
	d.MultiCell(textWidth, lineHeight(8), "StellaPop · Call brief · lead "+strconv.FormatInt(lead.ID, 10)+
		" · made "+in.Made.UTC().Format("2 Jan 2006, 15:04 UTC"), "", "L", false)
	d.Ln(1)
	name := lead.Name
	if !m.Printable(name) {
		name = "Lead " + strconv.FormatInt(lead.ID, 10) + " (name in a script this PDF cannot print)"
	}
	d.style(true, 17, inkColour)
	d.MultiCell(textWidth, lineHeight(17), name, "", "L", false)

	d.heading("Contact", briefHeading)
	teamSize := "Not given"
	if lead.TeamSize != nil {
		teamSize = strconv.Itoa(*lead.TeamSize)
	}
	d.row(m, "Email", lead.Email)
	d.row(m, "Company", orNone(lead.Company, "Not given"))
	d.row(m, "Role", orNone(lead.Role, "Not given"))
	d.row(m, "Team size", teamSize)
	d.row(m, "Submitted", lead.CreatedAt.UTC().Format("2 Jan 2006, 15:04 UTC"))
	d.row(m, "Status", in.Status)
	d.row(m, "Owner", orNone(in.Owner, "Nobody yet"))
	d.row(m, "Follow up", orNone(in.FollowUp, "No date set"))

	d.heading("Source", briefHeading)
	src := lead.Source
	d.row(m, "Landing page", orNone(src.LandingPage, "Not recorded"))
	d.row(m, "Referrer", orNone(src.Referrer, "None"))
	var utm []string
	for _, kv := range [][2]string{{"source", src.UTMSource}, {"medium", src.UTMMedium},
		{"campaign", src.UTMCampaign}, {"term", src.UTMTerm}, {"content", src.UTMContent}} {
		if kv[1] != "" {
			utm = append(utm, kv[0]+" "+kv[1])
		}
	}
	d.row(m, "UTM", orNone(strings.Join(utm, " · "), "None"))

	d.heading("Result", briefHeading)
	d.row(m, "Band", fmt.Sprintf("%s · index %d/100", r.Band.Title, r.Index))
	var scores []string
	for _, s := range r.Dimensions {
		scores = append(scores, fmt.Sprintf("%s %d", s.Dimension.Name, s.Score))
	}
	d.row(m, "Scores", strings.Join(scores, " · "))

	d.heading("Weakest dimensions: what they answered, what to ask", briefHeading)
	for _, s := range r.GrowthAreas {
		d.style(true, briefBody+1, inkColour)
		d.MultiCell(textWidth, lineHeight(briefBody+1), fmt.Sprintf("%s · %d/100 · %s", s.Dimension.Name, s.Score, s.Dimension.Contrast), "", "L", false)
		answered := false
		for _, a := range lead.Answers {
			if a.Dimension == s.Dimension.ID {
				d.row(m, "“"+a.Label+"”", a.QuestionText)
				answered = true
			}
		}
		if !answered {
			d.row(m, "Answers", "None stored for this dimension.")
		}
		for _, q := range s.Dimension.CallQuestions {
			d.row(m, "Ask", q)
		}
		d.Ln(1.5)
	}

	d.heading("Latest notes", briefHeading)
	d.notes(m, in.Notes)

	d.SetY(pageHeight - pageMargin - lineHeight(8))
	d.style(false, 8, mutedColour)
	d.CellFormat(d.GetStringWidth("The lead: "), lineHeight(8), "The lead: ", "", 0, "L", false, 0, "")
	d.link(in.LeadURL, in.LeadURL, 8)
	return d.write(w)
}

// notes writes the latest notes, newest first, as many as fit the page.
func (d *doc) notes(m *Maker, notes []models.Note) {
	if len(notes) == 0 {
		d.para("No notes yet.", briefBody, mutedColour)
		return
	}
	bottom := pageHeight - pageMargin - 2*lineHeight(8)
	shown := 0
	for i := len(notes) - 1; i >= 0 && shown < briefNotes; i-- {
		n := notes[i]
		author := "A former user"
		if n.Author != nil {
			author = n.Author.DisplayName()
		}
		body := m.fit(n.Body)
		if rs := []rune(body); len(rs) > briefNoteRunes {
			cut := string(rs[:briefNoteRunes-1])
			if i := strings.LastIndexByte(cut, ' '); i > 0 {
				cut = cut[:i] // end on a whole word
			}
			body = strings.TrimSpace(cut) + "…"
		}
		head := m.fit(author) + " · " + n.CreatedAt.UTC().Format("2 Jan 2006, 15:04 UTC")
		d.style(false, briefBody, inkColour)
		lines := len(d.SplitText(body, textWidth))
		if d.GetY()+float64(lines+1)*lineHeight(briefBody) > bottom {
			break
		}
		d.style(true, briefBody-0.5, mutedColour)
		d.MultiCell(textWidth, lineHeight(briefBody-0.5), head, "", "L", false)
		d.para(body, briefBody, inkColour)
		d.Ln(1)
		shown++
	}
	if more := len(notes) - shown; more > 0 {
		d.style(false, briefBody-0.5, mutedColour)
		d.MultiCell(textWidth, lineHeight(briefBody-0.5), fmt.Sprintf("%d earlier notes are on the lead page.", more), "", "L", false)
	}
}

// row writes a label and its value beside it, the value wrapping.
func (d *doc) row(m *Maker, label, value string) {
	d.style(true, briefBody, mutedColour)
	y := d.GetY()
	d.MultiCell(labelWidth-2, lineHeight(briefBody), m.fit(label), "", "L", false)
	below := d.GetY()
	d.SetXY(pageMargin+labelWidth, y)
	d.style(false, briefBody, inkColour)
	d.MultiCell(textWidth-labelWidth, lineHeight(briefBody), m.fit(value), "", "L", false)
	d.SetY(max(below, d.GetY()))
}

func orNone(s, none string) string {
	if strings.TrimSpace(s) == "" {
		return none
	}
	return s
}
