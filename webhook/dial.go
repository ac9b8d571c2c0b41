package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// DefaultTimeout is how long one delivery attempt may take, from dialling
// to the end of the answer.
const DefaultTimeout = 10 * time.Second

// responseKeep is how much of an answer the delivery log keeps; no more is
// read.
const responseKeep = 1024

// ErrRefusedAddress means a delivery would have connected to an address
// it may not reach: loopback, private, link-local and the like without
// WEBHOOK_ALLOW_PRIVATE_NETWORKS, or a public one over plain http.
var ErrRefusedAddress = errors.New("refused to connect to this address")

// guard decides, for each connection, on the address actually dialled
// after DNS resolution: never on the name, which may resolve to anything.
type guard struct {
	allowPrivate bool
	// plain is true for http:// deliveries, which may only go to a private
	// address, and only with allowPrivate: never in clear over the internet.
	plain bool
}

// check refuses address ("ip:port") unless the guard allows it.
func (g guard) check(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address and port", ErrRefusedAddress, address)
	}
	public := PublicAddr(ap.Addr())
	switch {
	case g.plain && (!g.allowPrivate || public):
		return fmt.Errorf("%w: %s (plain http goes only to private networks, with WEBHOOK_ALLOW_PRIVATE_NETWORKS)", ErrRefusedAddress, ap.Addr())
	case !public && !g.allowPrivate:
		return fmt.Errorf("%w: %s is not a public address", ErrRefusedAddress, ap.Addr())
	}
	return nil
}

// dialControl is the net.Dialer Control hook: it runs after the name is
// resolved and before the socket connects. then, if set, runs after the
// guard allowed the address (tests use it to make sure nothing connects).
func (g guard) dialControl(then func(network, address string) error) func(string, string, syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if err := g.check(address); err != nil {
			return err
		}
		if then != nil {
			return then(network, address)
		}
		return nil
	}
}

// sender posts deliveries through one HTTP client per scheme, each behind
// its guard, following no redirect.
type sender struct {
	https, http  *http.Client
	allowPrivate bool
}

// newSender keeps up to keep idle connections per receiver (default
// DefaultWorkers): as many as deliveries go out at once, so that a busy
// receiver's connections, and their TLS sessions, are reused rather than
// closed after each burst and dialled again.
func newSender(allowPrivate bool, timeout time.Duration, keep int, then func(network, address string) error) *sender {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if keep <= 0 {
		keep = DefaultWorkers
	}
	client := func(g guard) *http.Client {
		dialer := &net.Dialer{Timeout: timeout, Control: g.dialControl(then)}
		t := &http.Transport{
			// No proxy from the environment: the guard must see the
			// receiver's address, not a proxy's.
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   keep,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		}
		return &http.Client{
			Transport: t,
			Timeout:   timeout,
			// A redirect is not followed (it could lead anywhere, a private
			// address included); the 3xx is the answer, and a failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &sender{
		https:        client(guard{allowPrivate: allowPrivate}),
		http:         client(guard{allowPrivate: allowPrivate, plain: true}),
		allowPrivate: allowPrivate,
	}
}

// answer is what one attempt got back.
type answer struct {
	status int    // 0: none
	body   string // the first responseKeep bytes, made valid UTF-8
	// retryAfter is the receiver's Retry-After, when it gave one.
	retryAfter time.Duration
	err        error // no answer: refused, timed out, cut
}

// post sends body to rawURL with the headers and reads at most
// responseKeep bytes of the answer.
func (s *sender) post(ctx context.Context, rawURL string, header http.Header, body []byte, now time.Time) answer {
	u, err := url.Parse(rawURL)
	if err != nil {
		return answer{err: errors.New("the endpoint's URL does not parse")}
	}
	client := s.https
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && s.allowPrivate:
		client = s.http
	default:
		return answer{err: fmt.Errorf("%w: only https:// endpoints may be delivered to", ErrRefusedAddress)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return answer{err: fmt.Errorf("build request: %w", err)}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Intake-Webhooks/1")
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: describe(err)}
	}
	defer resp.Body.Close() // unread bytes past responseKeep are dropped with the connection
	kept, err := io.ReadAll(io.LimitReader(resp.Body, responseKeep))
	a := answer{status: resp.StatusCode, body: validText(kept), retryAfter: retryAfter(resp.Header.Get("Retry-After"), now)}
	if err != nil {
		a.err = describe(err)
	}
	return a
}

// describe sums a transport error up for the delivery log without the
// wrapping that repeats the URL.
func describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

// validText makes an answer fit to store: valid UTF-8, without NUL (which
// PostgreSQL's text refuses).
func validText(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// maxRetryAfter bounds a receiver's Retry-After: past a day the delivery
// would have been given up anyway.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := time.ParseDuration(v + "s"); err == nil && !strings.ContainsAny(v, ".-+") {
		d = n
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
