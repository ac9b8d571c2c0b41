package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/views"
)

// The empty diagnostic is the same page for everyone but for a few hidden
// fields: the form's CSRF token, its one-time submission key and signed
// served time, and where the visitor came from. It is rendered once at
// start with markers in those fields, and each visitor's page is put
// together from the pieces, its gzip too; the template runs only to show
// a form again with answers and messages in it.

// The fields that change per visitor, in the order of the spliced values.
const (
	dvCSRF = iota
	dvSubmission
	dvStamp
	dvLanding
	dvReferrer
	dvUTMSource
	dvUTMMedium
	dvUTMCampaign
	dvUTMTerm
	dvUTMContent
	dvCount
)

// diagnosticMarker stands in the page for value i.
func diagnosticMarker(i int) string { return fmt.Sprintf("diagnosticvalue%02dgoeshere", i) }

// diagnosticValues are the raw values for a page, in marker order.
func diagnosticValues(csrf, submission, stamp string, src source) []string {
	v := make([]string, dvCount)
	v[dvCSRF], v[dvSubmission], v[dvStamp] = csrf, submission, stamp
	v[dvLanding], v[dvReferrer] = src.LandingPage, src.Referrer
	v[dvUTMSource], v[dvUTMMedium], v[dvUTMCampaign] = src.UTMSource, src.UTMMedium, src.UTMCampaign
	v[dvUTMTerm], v[dvUTMContent] = src.UTMTerm, src.UTMContent
	return v
}

// diagnosticPageWith is the empty form's page with these raw values.
func (h *Handlers) diagnosticPageWith(v []string) diagnosticPage {
	src := source{LandingPage: v[dvLanding], Referrer: v[dvReferrer], UTMSource: v[dvUTMSource],
		UTMMedium: v[dvUTMMedium], UTMCampaign: v[dvUTMCampaign], UTMTerm: v[dvUTMTerm], UTMContent: v[dvUTMContent]}
	page := h.diagnosticView(v[dvCSRF], http.StatusOK, &diagnosticForm{Source: src, SubmissionKey: v[dvSubmission]}, "")
	page.Stamp = v[dvStamp]
	return page
}

// prepareDiagnostic renders the empty form once, cut at the markers.
func (h *Handlers) prepareDiagnostic(r *views.Renderer) (*spliced, error) {
	markers := make([]string, dvCount)
	for i := range markers {
		markers[i] = diagnosticMarker(i)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, "diagnostic", h.diagnosticPageWith(markers), nil); err != nil {
		return nil, fmt.Errorf("render the diagnostic: %w", err)
	}
	split, err := newSpliced(buf.Bytes(), markers)
	if err != nil {
		return nil, fmt.Errorf("the diagnostic's pieces: %w", err)
	}
	// Put together, the pieces must be what the template renders.
	v := diagnosticValues("csrf&token", "key+1", "stamp<1>", source{LandingPage: "/x", Referrer: `https://a.example/"b"`, UTMSource: "it's"})
	buf.Reset()
	if err := r.Render(&buf, "diagnostic", h.diagnosticPageWith(v), nil); err != nil {
		return nil, err
	}
	if !bytes.Equal(split.render(escapeAll(v)), buf.Bytes()) {
		return nil, errors.New("the diagnostic put together from its pieces differs from the template's")
	}
	return split, nil
}

func escapeAll(v []string) []string {
	for i := range v {
		v[i] = escapeAttr(v[i])
	}
	return v
}

// serveFreshDiagnostic sends a new, empty form: a new submission key
// stamped with now, the CSRF token the middleware issued, and the source.
func (h *Handlers) serveFreshDiagnostic(c echo.Context, src source) error {
	noStore(c)
	key := newSubmissionKey()
	v := escapeAll(diagnosticValues(csrfToken(c), key, h.stamper.stamp(key, time.Now()), src))
	addVary(c.Response().Header())
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		return writeBody(c, h.emptyForm.gzip(v), htmlType, true)
	}
	return writeBody(c, h.emptyForm.render(v), htmlType, false)
}
