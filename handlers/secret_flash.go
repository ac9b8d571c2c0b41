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
	aead   cipher.AEAD
	secure bool
}

func newSecretFlash(secret []byte, secure bool) *secretFlash {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(secretFlashLabel))
	block, err := aes.NewCipher(mac.Sum(nil)) // 32 bytes: AES-256
	if err != nil {
		panic(err) // unreachable: the key's length is fixed
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: AES has a 16-byte block
	}
	return &secretFlash{aead: aead, secure: secure}
}

// set leaves the endpoint's new secret for the next page to show.
func (f *secretFlash) set(c echo.Context, endpointID int64, secret string) {
	plain := binary.BigEndian.AppendUint64(nil, uint64(endpointID))
	plain = binary.BigEndian.AppendUint64(plain, uint64(time.Now().Add(secretFlashTTL).Unix()))
	plain = append(plain, secret...)
	nonce := make([]byte, f.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	sealed := f.aead.Seal(nonce, nonce, plain, []byte(secretFlashCookie))
	f.cookie(c, base64.RawURLEncoding.EncodeToString(sealed), int(secretFlashTTL/time.Second))
}

// take returns the secret left for this endpoint, if any, and clears it
// whatever it held: it is shown once.
func (f *secretFlash) take(c echo.Context, endpointID int64) string {
	ck, err := c.Cookie(secretFlashCookie)
	if err != nil {
		return ""
	}
	f.cookie(c, "", -1)
	sealed, err := base64.RawURLEncoding.DecodeString(ck.Value)
	n := f.aead.NonceSize()
	if err != nil || len(sealed) < n {
		return ""
	}
	plain, err := f.aead.Open(nil, sealed[:n], sealed[n:], []byte(secretFlashCookie))
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
		Name: secretFlashCookie, Value: value, Path: secretFlashPath, MaxAge: maxAge,
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteStrictMode,
	})
}
