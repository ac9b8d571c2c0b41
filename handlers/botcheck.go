package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

// The diagnostic's defences against automated submissions, without a
// third-party service: a field people never see, a signed stamp of when the
// form was served, and a per-client rate limit. A submission that trips the
// first two is quarantined, never dropped: a person wrongly suspected still
// sees their result, and an admin can release it.
const (
	// honeypotField is hidden from people (off-screen, out of the tab
	// order, hidden from screen readers); a form-filling bot fills it in.
	honeypotField = "fax"
	// stampField carries when the form was served, signed with its key.
	stampField = "served"
	// stampMaxAge is how old a served form may be before sending it is
	// suspect: a day covers a tab left open overnight.
	stampMaxAge = 24 * time.Hour
)

// formStamper signs the time a form was served together with its
// submission key, so the stamp can be neither forged nor moved to another
// form.
type formStamper struct{ key []byte }

func newFormStamper(secret []byte) formStamper {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("intake form stamp v1"))
	return formStamper{key: m.Sum(nil)}
}

func (s formStamper) mac(submission string, servedAt int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(submission))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(servedAt, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// stamp is the value of the form's stamp field for a form served at now.
func (s formStamper) stamp(submission string, now time.Time) string {
	at := now.Unix()
	return strconv.FormatInt(at, 10) + "." + s.mac(submission, at)
}

// servedAt reads a stamp back; ok is false when it is missing, malformed,
// or was not made by us for this submission key.
func (s formStamper) servedAt(stamp, submission string) (time.Time, bool) {
	at, mac, found := strings.Cut(stamp, ".")
	if !found || submission == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil || !hmac.Equal([]byte(mac), []byte(s.mac(submission, n))) {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// suspicion says why a valid submission looks automated, or "" when it
// does not. The timing checks run only when SubmitMinDelay is set.
func (h *Handlers) suspicion(v url.Values, submission string, now time.Time) string {
	if strings.TrimSpace(v.Get(honeypotField)) != "" {
		return models.QuarantineHoneypot
	}
	if h.SubmitMinDelay <= 0 {
		return ""
	}
	served, ok := h.stamper.servedAt(v.Get(stampField), submission)
	switch {
	case !ok:
		return models.QuarantineNoToken
	case now.Sub(served) > stampMaxAge:
		return models.QuarantineStaleToken
	case now.Sub(served) < h.SubmitMinDelay:
		return models.QuarantineTooFast
	}
	return ""
}

// tooManyRequests marks a response as refused for the rate limit.
func tooManyRequests(c echo.Context, retryAfter int) int {
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(retryAfter))
	return http.StatusTooManyRequests
}
