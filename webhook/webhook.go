// Package webhook sends lead events to the firm's other tools: the events
// and their bodies, Standard Webhooks signing, a dialler that refuses
// private addresses, the River worker that delivers with retries and keeps
// the delivery log, and the rules for a valid endpoint.
package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"net/netip"

	"github.com/stellapop/intake/models"
)

// Event types: the store emits the lead events (see models.OnLeadEvents).
const (
	LeadCreated          = models.EventLeadCreated
	LeadUpdated          = models.EventLeadUpdated
	LeadConsentWithdrawn = models.EventLeadConsentWithdrawn
	LeadErased           = models.EventLeadErased
	// Test is sent by an admin's "Send a test event"; no endpoint
	// subscribes to it, and it carries no lead.
	Test = "webhook.test"
)

// Events lists every event type an endpoint may subscribe to, in the order
// forms show them.
var Events = []string{LeadCreated, LeadUpdated, LeadConsentWithdrawn, LeadErased}

// SchemaVersion is the version of the event bodies' shape, sent in every
// body; it changes only when a field changes meaning or goes away.
const SchemaVersion = 1

// secretPrefix marks a signing secret, as the Standard Webhooks
// specification suggests.
const secretPrefix = "whsec_"

// NewSecret makes a signing secret: whsec_ and 32 random bytes in base64,
// the form the Standard Webhooks libraries take.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// PublicAddr reports whether a delivery may connect to addr without
// WEBHOOK_ALLOW_PRIVATE_NETWORKS: not loopback, private (RFC 1918 and
// unique-local), link-local (169.254.0.0/16, where cloud metadata services
// answer, and fe80::/10), multicast, unspecified, or a v4-mapped form of
// any of them.
func PublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid(),
		addr.IsUnspecified(),
		addr.IsLoopback(),
		addr.IsPrivate(),
		addr.IsLinkLocalUnicast(),
		addr.IsLinkLocalMulticast(),
		addr.IsInterfaceLocalMulticast(),
		addr.IsMulticast():
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// nonPublic are further ranges no receiver on the internet has: this
// network, shared address space (carrier-grade NAT), IETF protocol
// assignments, the documentation and benchmarking ranges, reserved and
// broadcast, NAT64's well-known prefix (which maps to any IPv4, private
// ones included) and IPv6 documentation.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}
