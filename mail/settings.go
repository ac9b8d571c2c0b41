// Package mail renders and delivers the emails a lead produces — a tailored
// summary to the prospect and a notification to the consulting team —
// through jobs in the database's queue, so none is lost.
package mail

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// SMTP is where and how to reach the mail server, parsed from SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps://: TLS from the first byte (port 465).
	ImplicitTLS bool
	// NoTLS is the explicit opt-out (?tls=none) for a local server without
	// TLS; otherwise smtp:// requires STARTTLS.
	NoTLS bool
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port], smtps://… or
// smtp://host:port?tls=none. Error messages never repeat the password.
func ParseSMTPURL(raw string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTP{}, errors.New("not a URL; want smtp://[user:pass@]host:port or smtps://…")
	}
	var s SMTP
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.ImplicitTLS = 465, true
	default:
		return SMTP{}, fmt.Errorf("scheme %q: want smtp:// (STARTTLS) or smtps:// (TLS)", u.Scheme)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return SMTP{}, errors.New("no host; want smtp://host:port")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	q := u.Query()
	for key := range q {
		if key != "tls" {
			return SMTP{}, fmt.Errorf("unknown option %q; the only option is tls=none", key)
		}
	}
	switch tls := q.Get("tls"); tls {
	case "":
	case "none":
		if s.ImplicitTLS {
			return SMTP{}, errors.New("smtps:// always uses TLS; use smtp://…?tls=none for a server without TLS")
		}
		s.NoTLS = true
	default:
		return SMTP{}, fmt.Errorf("tls=%q: the only value is none", tls)
	}
	if u.Path != "" && u.Path != "/" {
		return SMTP{}, errors.New("remove the path after host:port")
	}
	return s, nil
}

// clientOptions turns the settings into go-mail options.
func (s SMTP) clientOptions() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.Port)}
	switch {
	case s.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return opts
}

// ParseAddress reads one address, optionally with a display name.
func ParseAddress(raw string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%q is not an email address", raw)
	}
	return a, nil
}

// ParseAddressList reads one or more comma-separated addresses.
func ParseAddressList(raw string) ([]*netmail.Address, error) {
	list, err := netmail.ParseAddressList(raw)
	if err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%q is not a comma-separated list of email addresses", raw)
	}
	return list, nil
}
