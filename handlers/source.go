package handlers

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

// source is where a visitor came from. It travels from page to page in
// links and hidden fields, never in cookies.
type source models.Source

// sourceFields maps form and query names to the source's fields.
func (s *source) fields() map[string]*string {
	return map[string]*string{
		"utm_source": &s.UTMSource, "utm_medium": &s.UTMMedium, "utm_campaign": &s.UTMCampaign,
		"utm_term": &s.UTMTerm, "utm_content": &s.UTMContent,
	}
}

// sourceFromRequest reads the source from a page's query string: the
// campaign parameters, plus the landing page and referrer that an earlier
// page passed on (or, on the first page, this page and the Referer header).
func sourceFromRequest(c echo.Context, here string) source {
	q := c.QueryParams()
	var s source
	for name, field := range s.fields() {
		*field = cleanSourceValue(q.Get(name), 200)
	}
	s.LandingPage = cleanLandingPage(q.Get("landing"))
	if s.LandingPage == "" {
		s.LandingPage = here
	}
	s.Referrer = cleanReferrer(q.Get("ref"), "")
	if s.Referrer == "" && q.Get("landing") == "" {
		s.Referrer = cleanReferrer(c.Request().Referer(), c.Request().Host)
	}
	return s
}

// sourceFromForm reads the source from the diagnostic form's hidden fields.
func sourceFromForm(form url.Values) source {
	var s source
	for name, field := range s.fields() {
		*field = cleanSourceValue(form.Get(name), 200)
	}
	s.LandingPage = cleanLandingPage(form.Get("landing_page"))
	s.Referrer = cleanReferrer(form.Get("referrer"), "")
	return s
}

// query encodes the source for a link to the next page.
func (s source) query() string {
	v := url.Values{}
	for name, field := range s.fields() {
		if *field != "" {
			v.Set(name, *field)
		}
	}
	if s.LandingPage != "" {
		v.Set("landing", s.LandingPage)
	}
	if s.Referrer != "" {
		v.Set("ref", s.Referrer)
	}
	return v.Encode()
}

// cleanSourceValue keeps printable text only, trimmed to max runes: these
// values come from links anyone can craft, and a visitor can't fix them.
func cleanSourceValue(v string, max int) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "")
	}
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, v)
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > max {
		v = string([]rune(v)[:max])
	}
	return v
}

// cleanLandingPage accepts only a path on this site.
func cleanLandingPage(v string) string {
	v = cleanSourceValue(v, 300)
	if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	return u.Path
}

// cleanReferrer keeps the origin and path of an http(s) referrer and drops
// its query, which may carry another site's personal data. A referrer on
// ownHost is not a source.
func cleanReferrer(v, ownHost string) string {
	if v == "" {
		return ""
	}
	v = cleanSourceValue(v, 500)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	if ownHost != "" && strings.EqualFold(u.Host, ownHost) {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
