package webhook

import (
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verifyWith checks a delivery with the Standard Webhooks reference
// library, not with our own signing code.
func verifyWith(t testing.TB, secret string, body []byte, h http.Header) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("reference library refuses the secret: %v", err)
	}
	return wh.Verify(body, h)
}

// TestSignatureVerifiesWithReferenceLibrary: a signed delivery verifies
// with the reference library; during a rotation's overlap it verifies with
// the old and the new secret alike; tampering or another secret fails.
func TestSignatureVerifiesWithReferenceLibrary(t *testing.T) {
	oldSecret, newSecret, stranger := NewSecret(), NewSecret(), NewSecret()
	body := []byte(`{"type":"lead.created","timestamp":"2026-12-03T10:00:00Z","schema_version":1,"data":{"id":42}}`)
	now := time.Now()

	h := http.Header{}
	if err := signHeaders(h, []string{newSecret}, "msg_one", now, body); err != nil {
		t.Fatal(err)
	}
	if err := verifyWith(t, newSecret, body, h); err != nil {
		t.Errorf("one secret: %v", err)
	}

	h = http.Header{}
	if err := signHeaders(h, []string{newSecret, oldSecret}, "msg_two", now, body); err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(h.Get(HeaderSignature))); n != 2 {
		t.Errorf("during the overlap, %d signatures, want 2: %q", n, h.Get(HeaderSignature))
	}
	for name, s := range map[string]string{"new": newSecret, "old": oldSecret} {
		if err := verifyWith(t, s, body, h); err != nil {
			t.Errorf("during the overlap the %s secret does not verify: %v", name, err)
		}
	}
	if err := verifyWith(t, stranger, body, h); err == nil {
		t.Error("another secret verifies")
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-3] = '3'
	if err := verifyWith(t, newSecret, tampered, h); err == nil {
		t.Error("a changed body verifies")
	}
	if _, err := Sign([]string{"whsec_not base64!"}, "msg", now, body); err == nil {
		t.Error("a malformed secret signs")
	}
}
