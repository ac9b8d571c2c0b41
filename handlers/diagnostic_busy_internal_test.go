package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
)

// TestBusyDiagnosticIsTheTemplatesPage: the form refused under load, put
// together from its pieces, is byte for byte what the template renders for
// the same submission (answers chosen, left out or out of range, hostile
// text in every field), and its gzip decompresses to the same bytes.
func TestBusyDiagnosticIsTheTemplatesPage(t *testing.T) {
	h, r := diagnosticPageHandlers(t)
	def, consent := h.Diagnostic, h.Consent
	split, err := h.prepareBusyForm(r)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range hostileValues {
		w := hostileValues[(i+5)%len(hostileValues)]
		// A submission as the browser sends it, built from the definition:
		// question j gets option i+j, except every fourth, left out, and
		// one answer out of range.
		form := url.Values{
			"_csrf": {"tok" + v}, "submission": {newSubmissionKey()}, stampField: {h.stamper.stamp("k", time.Now())},
			"name": {v}, "email": {w}, "company": {v + w}, "role": {w + v}, "team_size": {v},
			"utm_source": {v}, "utm_campaign": {w}, "landing_page": {"/" + w}, "referrer": {"https://x.example/" + v},
		}
		for j, q := range def.Questions {
			switch {
			case (i+j)%4 == 3:
			case j == i%len(def.Questions):
				form.Set(diagnostic.AnswerField(q.ID), "99")
			default:
				form.Set(diagnostic.AnswerField(q.ID), strconv.Itoa(q.Options[(i+j)%len(q.Options)].Value))
			}
		}
		for j, p := range consent.Purposes {
			if (i+j)%2 == 0 {
				form.Set("consent_"+p.ID, "yes")
			}
		}
		f := parseDiagnosticForm(form, def, consent)
		f.Errors = map[string]string{}
		page := h.diagnosticView(form.Get("_csrf"), http.StatusServiceUnavailable, f, busyNotice)
		var want bytes.Buffer
		if err := r.Render(&want, "diagnostic", page, nil); err != nil {
			t.Fatal(err)
		}
		values := h.busyValues(form.Get("_csrf"), page.Stamp, f)
		if got := split.render(values); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("submission %d: the busy form from pieces differs from the template's", i)
		}
		zr, err := gzip.NewReader(bytes.NewReader(split.gzip(values)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("submission %d: the gzip does not decompress to the busy form (%v)", i, err)
		}
	}
}

func TestMarkChecks(t *testing.T) {
	markers := []string{"@1", "@2"}
	got, err := markChecks([]byte(`<a x><b y>`), []byte(`<a x checked><b y checked>`), markers)
	if err != nil || string(got) != `<a x@1><b y@2>` {
		t.Errorf("markChecks = %q, %v; want the markers where checked was", got, err)
	}
	for name, all := range map[string]string{
		"another difference":    `<a x checked><b z checked>`,
		"fewer checked":         `<a x checked><b y>`,
		"more checked":          `<a x checked><b y checked> checked`,
		"a different attribute": `<a x selected><b y checked>`,
	} {
		if _, err := markChecks([]byte(`<a x><b y>`), []byte(all), markers); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
