package models

import (
	"net/url"
	"strings"
)

// erasedSource is what erasure keeps of where a lead came from: the landing
// page's scheme, host and path (not its query or fragment, where a link
// can carry an address), no referrer, no utm_term or utm_content (free
// text a campaign fills per person), and utm_source, utm_medium and
// utm_campaign unless they contain the erased address, so the dashboard's
// sources and campaigns stay true.
func erasedSource(src Source, email string) Source {
	clear := func(v string) string {
		if containsAddress(v, email) {
			return ""
		}
		return v
	}
	return Source{
		LandingPage: clear(pageWithoutQuery(src.LandingPage)),
		UTMSource:   clear(src.UTMSource),
		UTMMedium:   clear(src.UTMMedium),
		UTMCampaign: clear(src.UTMCampaign),
	}
}

// pageWithoutQuery is a landing page without its query, fragment or user
// part; a value that is not a URL is cut at its first '?' or '#'.
func pageWithoutQuery(page string) string {
	u, err := url.Parse(page)
	if err != nil {
		cut, _, _ := strings.Cut(page, "?")
		cut, _, _ = strings.Cut(cut, "#")
		return cut
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// containsAddress reports whether v holds email, in any case, as typed or
// URL-encoded. An empty address is in nothing.
func containsAddress(v, email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false
	}
	v = strings.ToLower(v)
	return strings.Contains(v, email) ||
		strings.Contains(v, strings.ToLower(url.QueryEscape(email))) ||
		strings.Contains(v, strings.ToLower(url.PathEscape(email)))
}
