package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// UnsubscribeToken signs a lead id for its one-click unsubscribe link, so
// the link works without signing in and cannot be made for another lead.
func UnsubscribeToken(secret []byte, leadID int64) string {
	id := strconv.FormatInt(leadID, 10)
	return id + "." + unsubscribeSignature(secret, id)
}

// ParseUnsubscribeToken returns the lead id a token was signed for.
func ParseUnsubscribeToken(secret []byte, token string) (int64, bool) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	if !hmac.Equal([]byte(sig), []byte(unsubscribeSignature(secret, id))) {
		return 0, false
	}
	return n, true
}

func unsubscribeSignature(secret []byte, id string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("intake unsubscribe v1:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}
