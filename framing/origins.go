// Package framing holds the rule for which sites may show Intake's
// diagnostic in a frame: the origins EMBED_ORIGINS lists, each checked once
// at start.
package framing

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ParseOrigins reads a comma-separated list of origins allowed to embed
// the diagnostic. Each must be https://host[:port], or http:// on
// localhost or 127.0.0.1 for development: a frame on a plain-http page
// elsewhere could be rewritten on the way by anyone on the network. A
// path, query, credentials or wildcard is refused, as is a repeat. The
// origins come back lower-cased, default ports dropped, as a browser
// writes them in an Origin header and in frame-ancestors.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		o, err := parseOrigin(item)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		if seen[o] {
			return nil, fmt.Errorf("%q is listed twice", item)
		}
		seen[o] = true
		out = append(out, o)
	}
	return out, nil
}

func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", errors.New("want an origin such as https://www.example.com")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return "", errors.New("an origin is scheme, host and port only: remove the path, query or credentials")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || strings.ContainsAny(host, "*%") {
		return "", errors.New("want one host name, no wildcard")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New("the port must be a number from 1 to 65535")
		}
		port = strconv.Itoa(n)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if port == "443" {
			port = ""
		}
	case "http":
		if host != "localhost" && host != "127.0.0.1" {
			return "", errors.New("use https://; plain http:// is allowed only for localhost and 127.0.0.1")
		}
		if port == "80" {
			port = ""
		}
	default:
		return "", errors.New("want https:// (or http://localhost for development)")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	o := strings.ToLower(u.Scheme) + "://" + host
	if port != "" {
		o += ":" + port
	}
	return o, nil
}

// Allowed reports whether origin is one of origins, exactly.
func Allowed(origins []string, origin string) bool {
	for _, o := range origins {
		if o == origin {
			return true
		}
	}
	return false
}
