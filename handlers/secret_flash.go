package handlers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// A new webhook secret is shown once, on the page the add or rotate form
// redirects to. It travels there in a cookie, sealed with a key only the
// server has, that lives a few minutes, is read only under
// /admin/integrations and is cleared as soon as it is read: never in a
// URL (where logs, history and Referer would keep it) and never stored.
const (
	secretFlashCookie = "intake_webhook_secret"
	secretFlashPath   = "/admin/integrations"
	secretFlashTTL    = 5 * time.Minute
	secretFlashLabel  = "intake: one-time webhook secret, v1"
)

type secretFlash struct {
	aead       cipher.AEAD
	secure     bool
	name, path string // the cookie's
}

func newSecretFlash(secret []byte, secure bool) *secretFlash {
	return newSealedFlash(secret, secure, secretFlashCookie, secretFlashPath, secretFlashLabel)
}

// newTokenFlash carries a new API token to the tokens page the same way,
// in its own cookie under /admin/tokens, sealed with a key of its own.
func newTokenFlash(secret []byte, secure bool) *secretFlash {
	return newSealedFlash(secret, secure, "intake_api_token", "/admin/tokens", "intake: one-time API token, v1")
}

func newSealedFlash(secret []byte, secure bool, name, path, label string) *secretFlash {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	block, err := aes.NewCipher(mac.Sum(nil)) // 32 bytes: AES-256
	if err != nil {
		panic(err) // unreachable: the key's length is fixed
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: AES has a 16-byte block
	}
	return &secretFlash{aead: aead, secure: secure, name: name, path: path}
}

// set leaves the endpoint's new secret for the next page to show.
func (f *secretFlash) set(c echo.Context, endpointID int64, secret string) {
	plain := binary.BigEndian.AppendUint64(nil, uint64(endpointID))
	plain = binary.BigEndian.AppendUint64(plain, uint64(time.Now().Add(secretFlashTTL).Unix()))
	plain = append(plain, secret...)
	nonce := make([]byte, f.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	sealed := f.aead.Seal(nonce, nonce, plain, []byte(f.name))
	f.cookie(c, base64.RawURLEncoding.EncodeToString(sealed), int(secretFlashTTL/time.Second))
}

// take returns the secret left for this endpoint, if any, and clears it
// whatever it held: it is shown once.
func (f *secretFlash) take(c echo.Context, endpointID int64) string {
	ck, err := c.Cookie(f.name)
	if err != nil {
		return ""
	}
	f.cookie(c, "", -1)
	sealed, err := base64.RawURLEncoding.DecodeString(ck.Value)
	n := f.aead.NonceSize()
	if err != nil || len(sealed) < n {
		return ""
	}
	plain, err := f.aead.Open(nil, sealed[:n], sealed[n:], []byte(f.name))
	if err != nil || len(plain) < 16 {
		return ""
	}
	id, expires := int64(binary.BigEndian.Uint64(plain)), int64(binary.BigEndian.Uint64(plain[8:]))
	if id != endpointID || time.Now().Unix() > expires {
		return ""
	}
	return string(plain[16:])
}

func (f *secretFlash) cookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: f.name, Value: value, Path: f.path, MaxAge: maxAge,
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteStrictMode,
	})
}
