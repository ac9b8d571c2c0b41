// Package booking is what Intake knows about the scheduling services a
// firm may book its conversations with (Cal.com and Calendly): the link
// that opens their booking page prefilled, and the webhooks they send back
// when a meeting is booked, moved or cancelled.
package booking

import (
	"net/url"
	"strings"
)

// Prefill is what a booking page can be opened with: the visitor's name and
// email, and the address of their result for the consultant to read.
type Prefill struct {
	Name, Email, ResultURL string
}

// Provider names a scheduling service.
type Provider string

// The scheduling services Intake knows.
const (
	CalCom   Provider = "cal"
	Calendly Provider = "calendly"
)

// ProviderOf says which scheduling service a booking link belongs to, or
// "" for any other link (a mailto:, the firm's own page).
func ProviderOf(link string) Provider {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	switch strings.ToLower(u.Hostname()) {
	case "cal.com", "app.cal.com":
		return CalCom
	case "calendly.com", "www.calendly.com":
		return Calendly
	}
	return ""
}

// Link is the booking link opened for one visitor: a Cal.com or Calendly
// link gets each service's documented prefill parameters (Cal.com: name,
// email, notes; Calendly: name, email, a1, the answer to the event's first
// question); any other link is returned as it is. Parameters already in the
// link are kept, except those Link sets.
func Link(link string, p Prefill) string {
	provider := ProviderOf(link)
	if provider == "" {
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			q.Set(k, v)
		}
	}
	set("name", p.Name)
	set("email", p.Email)
	note := ""
	if p.ResultURL != "" {
		note = "My diagnostic result: " + p.ResultURL
	}
	switch provider {
	case CalCom:
		set("notes", note)
	case Calendly:
		set("a1", note)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
