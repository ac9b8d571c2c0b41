package webhook_test

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"

	"github.com/stellapop/intake/webhook"
)

// TestPublicAddr: the addresses a delivery may reach without
// WEBHOOK_ALLOW_PRIVATE_NETWORKS, written out.
func TestPublicAddr(t *testing.T) {
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"fd00::1", false},
		{"fc00::1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"198.18.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false},
		{"192.0.2.10", false},
		{"2001:db8::1", false},
		{"93.184.215.14", true},
		{"1.1.1.1", true},
		{"::ffff:1.1.1.1", true},
		{"2606:4700:4700::1111", true},
	} {
		if got := webhook.PublicAddr(netip.MustParseAddr(c.addr)); got != c.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
	}
}

// TestNewSecret: whsec_ and 32 random bytes in base64, new each time.
func TestNewSecret(t *testing.T) {
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Fatal("two secrets are the same")
	}
	raw, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks whsec_", a)
	}
	if k, err := base64.StdEncoding.DecodeString(raw); err != nil || len(k) != 32 {
		t.Errorf("secret's key: %d bytes, %v; want 32", len(k), err)
	}
}
