package handlers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// blankForm is the diagnostic as first served, rendered once with a
// placeholder where each visitor's own values go (the CSRF token, the
// form's key and stamp, the source's hidden fields). Serving it is then
// a few copies instead of executing the whole template, which was most of
// the work of a submission's first request. The page is the same, byte
// for byte, as the template renders it (a test checks).
type blankForm struct {
	once  sync.Once
	ok    bool
	parts [][]byte // the page between placeholders: len(slots)+1 parts
	slots []int    // which value goes after each part
}

// The values the blank form leaves to each request, in placeholder order.
const (
	slotCSRF = iota
	slotSubmission
	slotStamp
	slotLandingPage
	slotReferrer
	slotUTMSource
	slotUTMMedium
	slotUTMCampaign
	slotUTMTerm
	slotUTMContent
	slotCount
)

// build renders the page once with placeholders and cuts it at each of
// them. Any placeholder not found exactly once, as a whole quoted
// attribute value, leaves the cache off: the template renders every page.
func (b *blankForm) build(c echo.Context, h *Handlers) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	ph := make([]string, slotCount)
	for i := range ph {
		// Letters and digits only, which every escaper leaves alone.
		ph[i] = "zblank" + hex.EncodeToString(nonce) + "x" + string(rune('a'+i)) + "z"
	}
	src := source{LandingPage: ph[slotLandingPage], Referrer: ph[slotReferrer], UTMSource: ph[slotUTMSource],
		UTMMedium: ph[slotUTMMedium], UTMCampaign: ph[slotUTMCampaign], UTMTerm: ph[slotUTMTerm], UTMContent: ph[slotUTMContent]}
	page := h.diagnosticPage(c, http.StatusOK, &diagnosticForm{Source: src}, "")
	page.CSRF, page.Submission, page.Stamp = ph[slotCSRF], ph[slotSubmission], ph[slotStamp]
	var buf bytes.Buffer
	if err := c.Echo().Renderer.Render(&buf, "diagnostic", page, c); err != nil {
		return
	}
	out := buf.Bytes()
	type cut struct{ at, slot int }
	var cuts []cut
	for i, p := range ph {
		if bytes.Count(out, []byte(p)) != 1 {
			return
		}
		at := bytes.Index(out, []byte(p))
		if !bytes.HasSuffix(out[:at], []byte(`value="`)) || !bytes.HasPrefix(out[at+len(p):], []byte(`"`)) {
			return
		}
		cuts = append(cuts, cut{at, i})
	}
	for i := 1; i < len(cuts); i++ { // sort by position: ten entries
		for j := i; j > 0 && cuts[j].at < cuts[j-1].at; j-- {
			cuts[j], cuts[j-1] = cuts[j-1], cuts[j]
		}
	}
	prev := 0
	for _, k := range cuts {
		b.parts = append(b.parts, bytes.Clone(out[prev:k.at]))
		b.slots = append(b.slots, k.slot)
		prev = k.at + len(ph[k.slot])
	}
	b.parts = append(b.parts, bytes.Clone(out[prev:]))
	b.ok = true
}

// fill returns the blank form for this request, with a new form key and
// stamp, or false when the cache is off.
func (b *blankForm) fill(c echo.Context, h *Handlers, src source) ([]byte, bool) {
	b.once.Do(func() { b.build(c, h) })
	if !b.ok {
		return nil, false
	}
	key := newSubmissionKey()
	return b.assemble(csrfToken(c), key, h.stamper.stamp(key, time.Now()), src), true
}

// assemble puts the values between the parts, escaped as the template
// escapes an attribute value.
func (b *blankForm) assemble(csrf, key, stamp string, src source) []byte {
	vals := [slotCount]string{csrf, key, stamp, src.LandingPage, src.Referrer, src.UTMSource, src.UTMMedium, src.UTMCampaign, src.UTMTerm, src.UTMContent}
	n := 0
	for _, p := range b.parts {
		n += len(p)
	}
	for _, v := range vals {
		n += len(v) * 2
	}
	out := make([]byte, 0, n)
	for i, p := range b.parts {
		out = append(out, p...)
		if i < len(b.slots) {
			out = append(out, attrEscaper.Replace(vals[b.slots[i]])...)
		}
	}
	return out
}

// attrEscaper escapes exactly what html/template escapes in a quoted
// attribute value.
var attrEscaper = strings.NewReplacer(
	"\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;",
)
