package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// Body is every standard event's JSON body.
type Body struct {
	Type          string    `json:"type"`
	Timestamp     time.Time `json:"timestamp"` // when the event happened
	SchemaVersion int       `json:"schema_version"`
	Data          any       `json:"data"`
}

// LeadData is the data of lead.created, lead.updated and
// lead.consent_withdrawn: the lead as it is when the event is delivered.
type LeadData struct {
	ID int64 `json:"id"`
	// Lead is the export's columns, by the export's names (see export.Header).
	Lead      map[string]any `json:"lead"`
	ResultURL string         `json:"result_url"`
	LeadURL   string         `json:"lead_url"` // the lead's page in the workspace
	Consents  []ConsentState `json:"consents"`
	// Changes is lead.updated's changed fields and their new values.
	Changes map[string]any `json:"changes,omitempty"`
	// Purpose is the consent lead.consent_withdrawn withdrew.
	Purpose string `json:"purpose,omitempty"`
}

// ConsentState is one of the lead's consent decisions, so a receiver can
// honour it: Active is given and not withdrawn.
type ConsentState struct {
	Purpose        string     `json:"purpose"`
	Granted        bool       `json:"granted"`
	Active         bool       `json:"active"`
	DecidedAt      time.Time  `json:"decided_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	WordingVersion string     `json:"wording_version"`
}

// ErasedData is lead.erased's data: the id and nothing else.
type ErasedData struct {
	ID int64 `json:"id"`
}

// TestData is webhook.test's data.
type TestData struct {
	EndpointID int64  `json:"endpoint_id"`
	Message    string `json:"message"`
}

// bodies builds what is sent.
type bodies struct {
	def     *diagnostic.Definition
	baseURL string // without a trailing slash
}

func (b bodies) resultURL(l *models.Lead) string {
	return b.baseURL + "/results/" + url.PathEscape(l.Token)
}
func (b bodies) leadURL(id int64) string {
	return b.baseURL + "/admin/leads/" + strconv.FormatInt(id, 10)
}

// standard is the body of a lead event (lead nil for lead.erased and the
// test event).
func (b bodies) standard(a WebhookArgs, lead *models.Lead) ([]byte, error) {
	body := Body{Type: a.EventType, Timestamp: a.OccurredAt.UTC(), SchemaVersion: SchemaVersion}
	switch a.EventType {
	case Test:
		body.Data = TestData{EndpointID: a.EndpointID, Message: "A test event from Intake: this endpoint receives and verifies deliveries."}
	case LeadErased:
		body.Data = ErasedData{ID: a.LeadID}
	default:
		if lead == nil {
			return nil, fmt.Errorf("%s needs its lead", a.EventType)
		}
		d := LeadData{
			ID: lead.ID, Lead: export.LeadFields(b.def, lead),
			ResultURL: b.resultURL(lead), LeadURL: b.leadURL(lead.ID), Consents: []ConsentState{},
		}
		for _, c := range lead.Consents {
			var w *time.Time
			if c.WithdrawnAt != nil {
				t := c.WithdrawnAt.UTC()
				w = &t
			}
			d.Consents = append(d.Consents, ConsentState{Purpose: c.Purpose, Granted: c.Granted, Active: c.Active(),
				DecidedAt: c.DecidedAt.UTC(), WithdrawnAt: w, WordingVersion: c.WordingVersion})
		}
		switch a.EventType {
		case LeadUpdated:
			d.Changes = a.Data
		case LeadConsentWithdrawn:
			d.Purpose, _ = a.Data["purpose"].(string)
		}
		body.Data = d
	}
	return marshal(body)
}

// slack is a Slack incoming-webhook message: for lead.created the lead's
// name, company, band and index and a link to its page (no answers, no
// address); for the test event a line saying so.
func (b bodies) slack(a WebhookArgs, lead *models.Lead) ([]byte, error) {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type     string `json:"type"`
		Text     *text  `json:"text,omitempty"`
		Fields   []text `json:"fields,omitempty"`
		Elements []any  `json:"elements,omitempty"`
	}
	var msg struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks,omitempty"`
	}
	switch {
	case a.EventType == Test:
		msg.Text = "A test message from Intake: new leads will be announced here."
	case a.EventType == LeadCreated && lead != nil:
		band := lead.Band
		if bd, ok := b.def.Band(lead.Band); ok {
			band = bd.Title
		}
		name, company := slackEscape(lead.Name), slackEscape(lead.Company)
		msg.Text = fmt.Sprintf("New lead: %s, %s: %s (%d)", name, company, slackEscape(band), lead.OverallIndex)
		msg.Blocks = []block{
			{Type: "section", Text: &text{Type: "mrkdwn", Text: "*New lead*"}},
			{Type: "section", Fields: []text{
				{Type: "mrkdwn", Text: "*Name*\n" + name},
				{Type: "mrkdwn", Text: "*Company*\n" + company},
				{Type: "mrkdwn", Text: "*Band*\n" + slackEscape(band)},
				{Type: "mrkdwn", Text: "*Index*\n" + strconv.Itoa(lead.OverallIndex)},
			}},
			{Type: "actions", Elements: []any{map[string]any{
				"type": "button", "text": text{Type: "plain_text", Text: "Open the lead"}, "url": b.leadURL(lead.ID),
			}}},
		}
	default:
		return nil, fmt.Errorf("slack endpoints take only %s", LeadCreated)
	}
	return marshal(msg)
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning to,
// so a name cannot become a link or a mention; blank stays visible.
func slackEscape(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.TrimSpace(s))
	if s == "" {
		return "–"
	}
	return s
}

// marshal writes v as compact JSON, leaving <, > and & as they are: the
// body is for programs, not for an HTML page.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
