package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/stellapop/intake/models"
)

// Limits on what a person may give for an endpoint.
const (
	MaxURLLength         = 2000
	MaxDescriptionLength = 200
)

// RotationOverlap is how long the previous secret keeps signing deliveries
// after a rotation, so a receiver can switch to the new one.
const RotationOverlap = 24 * time.Hour

// lookupTimeout bounds the DNS lookup that checks an endpoint's host.
const lookupTimeout = 3 * time.Second

// slackHost is where Slack's incoming webhooks live.
const slackHost = "hooks.slack.com"

// EndpointInput is what an admin gives for an endpoint, on the page or the
// command line.
type EndpointInput struct {
	URL         string
	Kind        string // models.WebhookStandard (the default when empty) or models.WebhookSlack
	Events      []string
	Description string
}

// Fields of EndpointInput, as FieldErrors names them.
const (
	FieldURL         = "url"
	FieldKind        = "kind"
	FieldEvents      = "events"
	FieldDescription = "description"
)

// fieldOrder is the order problems are told in.
var fieldOrder = []string{FieldURL, FieldKind, FieldEvents, FieldDescription}

// FieldErrors says what is wrong with each field of an EndpointInput.
type FieldErrors map[string]string

// Error tells every problem, field by field.
func (fe FieldErrors) Error() string {
	var parts []string
	for _, f := range fieldOrder {
		if msg, ok := fe[f]; ok {
			parts = append(parts, msg)
		}
	}
	return strings.Join(parts, "\n")
}

// Resolver finds the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// EndpointRules are the one set of rules for a valid endpoint, used by the
// integrations page and `intake webhooks`. The delivery's dialler checks
// the address it actually connects to again; these checks exist to tell a
// person at once, rather than after the first failed delivery.
type EndpointRules struct {
	// AllowPrivate is WEBHOOK_ALLOW_PRIVATE_NETWORKS: receivers on loopback
	// and private addresses, and plain http:// to them, are allowed.
	AllowPrivate bool
	// Resolver finds a host name's addresses; nil is net.DefaultResolver.
	Resolver Resolver
}

// Check validates in and returns it tidied (spaces trimmed, the kind
// filled in, events in their usual order without repeats), or what is
// wrong with it field by field.
func (r EndpointRules) Check(ctx context.Context, in EndpointInput) (EndpointInput, FieldErrors) {
	out := EndpointInput{
		URL:         strings.TrimSpace(in.URL),
		Kind:        strings.TrimSpace(in.Kind),
		Description: strings.TrimSpace(in.Description),
	}
	if out.Kind == "" {
		out.Kind = models.WebhookStandard
	}
	fe := FieldErrors{}
	if !slices.Contains(models.WebhookKinds, out.Kind) {
		fe[FieldKind] = fmt.Sprintf("The kind must be %s.", strings.Join(models.WebhookKinds, " or "))
	}
	if msg := r.checkURL(ctx, out.URL, out.Kind); msg != "" {
		fe[FieldURL] = msg
	}
	var unknown []string
	for _, e := range in.Events {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case slices.Contains(Events, e):
			if !slices.Contains(out.Events, e) {
				out.Events = append(out.Events, e)
			}
		default:
			unknown = append(unknown, fmt.Sprintf("%q", e))
		}
	}
	slices.SortFunc(out.Events, func(a, b string) int { return slices.Index(Events, a) - slices.Index(Events, b) })
	switch {
	case len(unknown) > 0:
		fe[FieldEvents] = fmt.Sprintf("Unknown event %s: the events are %s.", strings.Join(unknown, ", "), strings.Join(Events, ", "))
	case len(out.Events) == 0:
		fe[FieldEvents] = "Choose at least one event."
	case out.Kind == models.WebhookSlack && !slices.Equal(out.Events, []string{LeadCreated}):
		fe[FieldEvents] = "A Slack endpoint announces new leads only: choose " + LeadCreated + " alone."
	}
	if n := len([]rune(out.Description)); n > MaxDescriptionLength {
		fe[FieldDescription] = fmt.Sprintf("The description must be %d characters or fewer (it has %d).", MaxDescriptionLength, n)
	}
	if len(fe) > 0 {
		return out, fe
	}
	return out, nil
}

// checkURL says what is wrong with an endpoint's address, or "".
func (r EndpointRules) checkURL(ctx context.Context, raw, kind string) string {
	if raw == "" {
		return "Enter the receiver’s address, like https://crm.example.com/hooks/intake."
	}
	if len(raw) > MaxURLLength {
		return fmt.Sprintf("The address must be %d characters or fewer.", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return "That is not a web address: enter one like https://crm.example.com/hooks/intake."
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "The address must start with https://."
	}
	if u.User != nil {
		return "The address must not hold a user name or password: they would show on this page and in logs. Use the signing secret to prove deliveries come from Intake."
	}
	if u.Fragment != "" {
		return "The address must not have a # part: it is never sent to the receiver."
	}
	host := u.Hostname()
	addrs, msg := r.addresses(ctx, host)
	if msg != "" {
		return msg
	}
	private := slices.ContainsFunc(addrs, func(a netip.Addr) bool { return !PublicAddr(a) })
	if private && !r.AllowPrivate {
		return fmt.Sprintf("%s is a private address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow receivers on your own network.", describeHost(host, addrs))
	}
	// Plain http is allowed only where the traffic never crosses the
	// internet: to a receiver on loopback or the firm's own network.
	if u.Scheme == "http" && !(r.AllowPrivate && !slices.ContainsFunc(addrs, PublicAddr)) {
		if r.AllowPrivate {
			return "The address must start with https://: plain http:// is allowed only to receivers on your own network."
		}
		return "The address must start with https://."
	}
	if kind == models.WebhookSlack {
		onSlack := strings.EqualFold(host, slackHost) && strings.HasPrefix(u.Path, "/services/") && u.Scheme == "https"
		local := r.AllowPrivate && !slices.ContainsFunc(addrs, PublicAddr)
		if !onSlack && !local {
			return "A Slack endpoint takes the incoming-webhook address Slack gives you, starting https://hooks.slack.com/services/."
		}
	}
	return ""
}

// addresses finds the addresses host stands for: itself when it is an IP
// literal, else what DNS says, within a few seconds.
func (r EndpointRules) addresses(ctx context.Context, host string) ([]netip.Addr, string) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, ""
	}
	res := r.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := res.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsTimeout {
			return nil, fmt.Sprintf("Looking up %s took too long; check the name, or try again in a minute.", host)
		}
		return nil, fmt.Sprintf("No address found for %s; check the name.", host)
	}
	return addrs, ""
}

// describeHost names a host and, when it is a name, what it resolved to.
func describeHost(host string, addrs []netip.Addr) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	var s []string
	for _, a := range addrs {
		s = append(s, a.String())
	}
	return fmt.Sprintf("%s (%s)", host, strings.Join(s, ", "))
}

// Add checks in and stores it as a new endpoint with a new signing secret,
// returned so it can be shown once (SignsDeliveries says whether it is
// worth showing); nothing is stored when the input is invalid (the error
// is then a FieldErrors).
func (r EndpointRules) Add(ctx context.Context, store *models.Store, in EndpointInput) (*models.WebhookEndpoint, string, error) {
	in, fe := r.Check(ctx, in)
	if fe != nil {
		return nil, "", fe
	}
	secret := NewSecret()
	e := &models.WebhookEndpoint{
		URL: in.URL, Kind: in.Kind, Events: models.JoinEvents(in.Events), Description: in.Description, Secret: secret,
	}
	if err := store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// Update checks in against the endpoint's kind, which does not change, and
// stores its address, events and description. Nothing is stored when the
// input is invalid (the error is then a FieldErrors).
func (r EndpointRules) Update(ctx context.Context, store *models.Store, id int64, in EndpointInput) error {
	e, err := store.WebhookEndpointByID(ctx, id)
	if err != nil {
		return err
	}
	in.Kind = e.Kind
	in, fe := r.Check(ctx, in)
	if fe != nil {
		return fe
	}
	return store.UpdateWebhookEndpoint(ctx, id, in.URL, in.Events, in.Description)
}

// ErrSlackSignsNothing refuses to rotate a Slack endpoint's secret.
var ErrSlackSignsNothing = errors.New("a Slack endpoint has no signing secret to rotate: Slack checks no signature, " +
	"its incoming-webhook address is the secret. To change it, make a new incoming webhook in Slack and save its address on the endpoint")

// SignsDeliveries says whether an endpoint of this kind is sent signed
// deliveries, and so has a secret its receiver needs: a Slack incoming
// webhook checks no signature (its address is its secret).
func SignsDeliveries(kind string) bool { return kind != models.WebhookSlack }

// RotateSecret gives the endpoint a new signing secret and returns it, to
// be shown once; the old one keeps signing deliveries for RotationOverlap.
// A Slack endpoint's is refused with ErrSlackSignsNothing.
func RotateSecret(ctx context.Context, store *models.Store, id int64) (string, error) {
	e, err := store.WebhookEndpointByID(ctx, id)
	if err != nil {
		return "", err
	}
	if !SignsDeliveries(e.Kind) {
		return "", ErrSlackSignsNothing
	}
	secret := NewSecret()
	if err := store.RotateWebhookSecret(ctx, id, secret, time.Now().Add(RotationOverlap)); err != nil {
		return "", err
	}
	return secret, nil
}
