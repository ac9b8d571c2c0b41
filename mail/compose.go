package mail

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/booking"
	"github.com/stellapop/intake/chart"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/views"
)

// ComposerConfig is what every email needs to know about the site.
type ComposerConfig struct {
	Diagnostic  *diagnostic.Definition
	Consent     *diagnostic.Consent
	BaseURL     *url.URL // absolute, without a trailing slash
	ArticlePath string
	BookingURL  string
	From        *netmail.Address
	ReplyTo     *netmail.Address // optional; the prospect's replies go here
	Team        []*netmail.Address
	Secret      []byte // signs unsubscribe links
}

// Composer renders a lead's emails from the embedded templates.
type Composer struct {
	ComposerConfig
	html map[string]*htmltemplate.Template
	text map[string]*texttemplate.Template
}

// NewComposer parses the email templates once.
func NewComposer(cfg ComposerConfig) (*Composer, error) {
	if cfg.Diagnostic == nil || cfg.Consent == nil || cfg.BaseURL == nil || cfg.From == nil || len(cfg.Team) == 0 || len(cfg.Secret) < 32 {
		return nil, errors.New("mail: composer needs the diagnostic, consent wording, base URL, sender, team and secret")
	}
	c := &Composer{ComposerConfig: cfg, html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	for _, kind := range models.EmailKinds {
		h, err := htmltemplate.New(kind+".html").ParseFS(views.EmailFS, "email/"+kind+".html", "email/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.html: %w", kind, err)
		}
		t, err := texttemplate.New(kind+".txt").ParseFS(views.EmailFS, "email/"+kind+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.txt: %w", kind, err)
		}
		c.html[kind], c.text[kind] = h, t
	}
	return c, nil
}

// emailData is what the templates see.
type emailData struct {
	Lead           *models.Lead
	FirstName      string
	Band           diagnostic.Band
	Index          int
	Dimensions     []dimensionRow
	Strengths      []dimensionRow
	GrowthAreas    []dimensionRow
	Answers        []answerRow
	Consents       []consentRow
	TeamSize       string
	CreatedAt      string
	ResultURL      string
	ReportURL      string // the result as a PDF: a link, never an attachment
	AdminURL       string
	ArticleURL     string
	BookingURL     string
	PrivacyURL     string
	UnsubscribeURL string // set only when the lead opted in to marketing
	SiteURL        string
	Benchmark      *peer.Benchmark // nil: not shown
}

type dimensionRow struct {
	Name, Contrast, Description string
	Score                       int
	Rest                        int    // 100 - Score, the empty part of the bar
	Colour                      string // bar colour, with the number always beside it
	Advice, SectionTitle        string
	SectionURL                  string
}

type answerRow struct {
	Number         int
	Question       string
	Answer         string
	Points, Values int
}

type consentRow struct {
	Purpose, Wording, Decision, DecidedAt, Version string
}

// Compose builds the message of one kind for a lead.
func (c *Composer) Compose(lead *models.Lead, kind string, now time.Time) (*gomail.Msg, error) {
	return c.ComposeWithBenchmark(lead, kind, now, nil)
}

// ComposeWithBenchmark is Compose with the lead's peer benchmark (nil:
// none), which the prospect's summary shows.
func (c *Composer) ComposeWithBenchmark(lead *models.Lead, kind string, now time.Time, b *peer.Benchmark) (*gomail.Msg, error) {
	data := c.data(lead)
	data.Benchmark = b
	var subject string
	msg := gomail.NewMsg()
	// The *MailAddress setters take the name as it is and let net/mail
	// quote and encode it; the *Format ones would break on a quote in it.
	msg.FromMailAddress(c.From)
	prospect := &netmail.Address{Name: headerText(lead.Name), Address: lead.Email}
	switch kind {
	case models.EmailProspectSummary:
		subject = "Your result: " + data.Band.Title + " — Is your manager leading?"
		msg.ToMailAddress(prospect)
		if c.ReplyTo != nil {
			msg.ReplyToMailAddress(c.ReplyTo)
		}
		if data.UnsubscribeURL != "" {
			msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+data.UnsubscribeURL+">")
			msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
		}
	case models.EmailTeamNotification:
		subject = fmt.Sprintf("New lead: %s, %s — %s (%d)", lead.Name, lead.Company, data.Band.Title, data.Index)
		msg.ToMailAddress(c.Team...)
		// A consultant's reply goes straight to the prospect.
		msg.ReplyToMailAddress(prospect)
	default:
		return nil, fmt.Errorf("mail: unknown kind of email %q", kind)
	}
	msg.Subject(headerText(subject))
	msg.SetMessageIDWithValue(c.messageID(lead, kind))
	msg.SetDateWithValue(now)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")

	var text, html bytes.Buffer
	if err := c.text[kind].Execute(&text, data); err != nil {
		return nil, fmt.Errorf("render %s.txt: %w", kind, err)
	}
	if err := c.html[kind].Execute(&html, data); err != nil {
		return nil, fmt.Errorf("render %s.html: %w", kind, err)
	}
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// messageID is stable for a lead and kind, so a resent message is the same
// message to every mail system that sees it twice.
func (c *Composer) messageID(lead *models.Lead, kind string) string {
	local := ""
	for _, e := range lead.Emails {
		if e.Kind == kind {
			local = e.MessageID
		}
	}
	if local == "" {
		local = kind + ".lead-" + strconv.FormatInt(lead.ID, 10)
	}
	return local + "@" + c.BaseURL.Hostname()
}

func (c *Composer) data(lead *models.Lead) emailData {
	def := c.Diagnostic
	result := def.ResultFrom(lead.ScoreMap())
	result.Index = lead.OverallIndex
	if b, ok := def.Band(lead.Band); ok {
		result.Band = b
	}
	base := c.BaseURL.String()
	d := emailData{
		Lead:       lead,
		FirstName:  models.FirstName(lead.Name),
		Band:       result.Band,
		Index:      result.Index,
		CreatedAt:  lead.CreatedAt.UTC().Format("Mon 2 Jan 2006, 15:04 MST"),
		ResultURL:  base + "/results/" + lead.Token,
		ReportURL:  base + "/results/" + lead.Token + "/report.pdf",
		AdminURL:   base + "/admin/leads/" + strconv.FormatInt(lead.ID, 10),
		ArticleURL: base + c.ArticlePath,
		SiteURL:    base,
	}
	// The same prefilled link as the result page's.
	d.BookingURL = booking.Link(c.BookingURL, booking.Prefill{Name: lead.Name, Email: lead.Email, ResultURL: d.ResultURL})
	if lead.TeamSize != nil {
		d.TeamSize = strconv.Itoa(*lead.TeamSize)
	}
	row := func(s diagnostic.DimensionScore) dimensionRow {
		return dimensionRow{
			Name: s.Dimension.Name, Contrast: s.Dimension.Contrast, Description: s.Dimension.Description,
			Score: s.Score, Rest: 100 - s.Score, Colour: chart.LevelColours[def.LevelFor(s.Score)],
			Advice: s.Dimension.Advice.Text, SectionTitle: s.Dimension.Advice.SectionTitle,
			SectionURL: base + c.ArticlePath + "#" + s.Dimension.Advice.Section,
		}
	}
	for _, s := range result.Dimensions {
		d.Dimensions = append(d.Dimensions, row(s))
	}
	for _, s := range result.Strengths {
		d.Strengths = append(d.Strengths, row(s))
	}
	for _, s := range result.GrowthAreas {
		d.GrowthAreas = append(d.GrowthAreas, row(s))
	}
	for _, a := range lead.Answers {
		d.Answers = append(d.Answers, answerRow{Number: a.Position, Question: a.QuestionText, Answer: a.Label, Points: a.Points})
	}
	for _, cs := range lead.Consents {
		decision := "no"
		switch {
		case cs.Granted && cs.WithdrawnAt != nil:
			decision = "yes, withdrawn " + cs.WithdrawnAt.UTC().Format("2 Jan 2006 15:04 MST")
		case cs.Granted:
			decision = "yes"
		}
		d.Consents = append(d.Consents, consentRow{
			Purpose: cs.Purpose, Wording: cs.Wording, Decision: decision,
			DecidedAt: cs.DecidedAt.UTC().Format("2 Jan 2006 15:04 MST"), Version: cs.WordingVersion,
		})
		if cs.Purpose == models.PurposeMarketing && cs.Active() {
			d.UnsubscribeURL = base + "/unsubscribe/" + UnsubscribeToken(c.Secret, lead.ID)
		}
	}
	return d
}

// headerText drops control characters, so text from a visitor can never
// start a new header line, whatever reached the database.
func headerText(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")
}
