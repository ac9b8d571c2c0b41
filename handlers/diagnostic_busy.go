package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/views"
)

// A submission refused under load gets its form back with every answer
// kept. Under overload most answers are such refusals, and running the
// template for each one took half the portal's CPU and made most of its
// garbage, so the saves that were let through starved. The busy form is
// therefore put together from pieces like the empty one: rendered once at
// start with a marker in every value a visitor gives and in the place of
// every "checked", cut at the markers, and checked against the template.

// busyNotice is what a visitor whose submission was refused under load
// reads above their answers.
const busyNotice = "Many people are sending this form right now, so we couldn’t save yours yet. Nothing is lost: your answers are all below. Please send them again in a few seconds."

// checkedAttr is what the template writes in a chosen option's input.
const checkedAttr = " checked"

// The visitor's fields in the busy form, after the empty form's values.
const (
	bvName = dvCount + iota
	bvEmail
	bvCompany
	bvRole
	bvTeamSize
	bvChecks // then one value per option, question by question, then one per consent
)

// busyCheckMarker stands in the busy form where option or consent i is
// checked or not.
func busyCheckMarker(i int) string { return fmt.Sprintf("diagnosticcheck%03dgoeshere", i) }

// busyPage is the busy form with these raw values, and every option and
// consent checked or none.
func (h *Handlers) busyPage(v []string, checkAll bool) diagnosticPage {
	f := &diagnosticForm{
		Source: source{LandingPage: v[dvLanding], Referrer: v[dvReferrer], UTMSource: v[dvUTMSource],
			UTMMedium: v[dvUTMMedium], UTMCampaign: v[dvUTMCampaign], UTMTerm: v[dvUTMTerm], UTMContent: v[dvUTMContent]},
		SubmissionKey: v[dvSubmission],
		Name:          v[bvName], Email: v[bvEmail], Company: v[bvCompany], Role: v[bvRole], TeamSize: v[bvTeamSize],
		Errors: map[string]string{},
	}
	page := h.diagnosticView(v[dvCSRF], http.StatusServiceUnavailable, f, busyNotice)
	page.Stamp = v[dvStamp]
	for i := range page.Steps {
		for j := range page.Steps[i].Questions {
			for k := range page.Steps[i].Questions[j].Options {
				page.Steps[i].Questions[j].Options[k].Checked = checkAll
			}
		}
	}
	for i := range page.Consents {
		page.Consents[i].Checked = checkAll
	}
	return page
}

// busyValueCount is how many values the busy form takes.
func (h *Handlers) busyValueCount() int {
	n := bvChecks + len(h.Consent.Purposes)
	for _, q := range h.Diagnostic.Questions {
		n += len(q.Options)
	}
	return n
}

// prepareBusyForm renders the busy form once, cut at the markers.
func (h *Handlers) prepareBusyForm(r *views.Renderer) (*spliced, error) {
	markers := make([]string, h.busyValueCount())
	for i := range markers {
		if i < bvChecks {
			markers[i] = diagnosticMarker(i)
		} else {
			markers[i] = busyCheckMarker(i - bvChecks)
		}
	}
	var none, all bytes.Buffer
	if err := r.Render(&none, "diagnostic", h.busyPage(markers, false), nil); err != nil {
		return nil, fmt.Errorf("render the busy diagnostic: %w", err)
	}
	if err := r.Render(&all, "diagnostic", h.busyPage(markers, true), nil); err != nil {
		return nil, fmt.Errorf("render the busy diagnostic: %w", err)
	}
	page, err := markChecks(none.Bytes(), all.Bytes(), markers[bvChecks:])
	if err != nil {
		return nil, fmt.Errorf("the busy diagnostic: %w", err)
	}
	split, err := newSpliced(page, markers)
	if err != nil {
		return nil, fmt.Errorf("the busy diagnostic's pieces: %w", err)
	}
	// Put together, the pieces must be what the template renders.
	form := &diagnosticForm{
		Source:        source{LandingPage: "/x", Referrer: `https://a.example/"b"`, UTMSource: "it's"},
		SubmissionKey: "key+1", Stamp: "stamp<1>",
		Name: "Ada <Lovelace>", Email: "ada@example.com", Company: "A & B", Role: `"Head"`, TeamSize: "12",
		Raw: map[string]string{}, Consents: map[string]bool{}, Errors: map[string]string{},
	}
	for i, q := range h.Diagnostic.Questions {
		if i%3 != 2 { // some questions answered, one of them not
			form.Raw[q.ID] = strconv.Itoa(q.Options[i%len(q.Options)].Value)
		}
	}
	for i, p := range h.Consent.Purposes {
		form.Consents[p.ID] = i%2 == 0
	}
	want := h.diagnosticView("csrf&token", http.StatusServiceUnavailable, form, busyNotice)
	want.Stamp = form.Stamp
	var buf bytes.Buffer
	if err := r.Render(&buf, "diagnostic", want, nil); err != nil {
		return nil, err
	}
	if !bytes.Equal(split.render(h.busyValues("csrf&token", form.Stamp, form)), buf.Bytes()) {
		return nil, errors.New("the busy diagnostic put together from its pieces differs from the template's")
	}
	return split, nil
}

// markChecks turns the page with nothing checked into one with a marker
// wherever the page with everything checked says checked, in order. The
// two must differ by exactly those words.
func markChecks(none, all []byte, markers []string) ([]byte, error) {
	var out bytes.Buffer
	i, j, k := 0, 0, 0
	for i < len(none) {
		if j < len(all) && none[i] == all[j] {
			out.WriteByte(none[i])
			i, j = i+1, j+1
			continue
		}
		if k == len(markers) || !bytes.HasPrefix(all[j:], []byte(checkedAttr)) {
			return nil, fmt.Errorf("the checked and unchecked forms differ at byte %d by more than %q", i, checkedAttr)
		}
		out.WriteString(markers[k])
		j, k = j+len(checkedAttr), k+1
	}
	if j != len(all) || k != len(markers) {
		return nil, fmt.Errorf("%d of %d options and consents can be checked", k, len(markers))
	}
	return out.Bytes(), nil
}

// busyValues are the busy form's values for f, escaped, in marker order.
// stamp is the form's served-time stamp.
func (h *Handlers) busyValues(csrf, stamp string, f *diagnosticForm) []string {
	v := diagnosticValues(csrf, f.SubmissionKey, stamp, f.Source)
	v = append(v, f.Name, f.Email, f.Company, f.Role, f.TeamSize)
	escapeAll(v)
	for _, q := range h.Diagnostic.Questions {
		for _, o := range q.Options {
			v = append(v, checked(f.Raw[q.ID] == strconv.Itoa(o.Value)))
		}
	}
	for _, p := range h.Consent.Purposes {
		v = append(v, checked(f.Consents[p.ID]))
	}
	return v
}

func checked(yes bool) string {
	if yes {
		return checkedAttr
	}
	return ""
}

// diagnosticBusy answers a submission that came while the site was too
// busy to save it: the form comes back with every answer kept.
func (h *Handlers) diagnosticBusy(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
	}
	f := parseDiagnosticForm(values, h.Diagnostic, h.Consent)
	if f.SubmissionKey == "" {
		f.SubmissionKey = newSubmissionKey()
	}
	v := h.busyValues(csrfToken(c), h.stampAgain(f.Stamp, f.SubmissionKey, time.Now()), f)
	noStore(c)
	addVary(c.Response().Header())
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		body := h.busyForm.gzip(v)
		return writeSized(c, http.StatusServiceUnavailable, body, []string{strconv.Itoa(len(body))}, htmlType, true)
	}
	body := h.busyForm.render(v)
	return writeSized(c, http.StatusServiceUnavailable, body, []string{strconv.Itoa(len(body))}, htmlType, false)
}
