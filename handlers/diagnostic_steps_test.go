package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// newStepSite is a site whose funnel counter the test flushes itself,
// allowing submitLimit submissions a minute per address (0: no limit).
func newStepSite(t *testing.T, dialect string, submitLimit int) (*site, *handlers.FunnelCounter) {
	t.Helper()
	var funnel *handlers.FunnelCounter
	s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) {
		d.Funnel = handlers.NewFunnelCounter(d.Store, d.Logger)
		d.SubmitRateLimit = submitLimit
		d.SubmitMinDelay = 0
		funnel = d.Funnel
	})
	return s, funnel
}

// beacon sends what the diagnostic's script sends when a visitor reaches
// a step, with the headers a browser adds on the site's own page.
func (s *site) beacon(version, step string, header ...string) response {
	s.t.Helper()
	body := url.Values{"version": {version}, "step": {step}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/diagnostic/steps", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Origin", "https://intake.example.com")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Sec-Fetch-Mode", "no-cors")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	return s.do(req)
}

// startEarlyInAMinute waits for the next clock minute when this one is
// nearly over, so that requests counted per minute all fall in one.
func startEarlyInAMinute() {
	if into := time.Since(time.Now().Truncate(time.Minute)); into > 50*time.Second {
		time.Sleep(time.Minute - into)
	}
}

func TestStepBeaconCountsEachStepWithoutKeepingAnything(t *testing.T) {
	forEachStepSite(t, func(t *testing.T, s *site, funnel *handlers.FunnelCounter) {
		v := s.def.Version
		// Two visitors: one stops at step 2, one reaches the last step.
		last := strconv.Itoa((len(s.def.Questions)+2)/3 + 1)
		sent := [][2]string{{v, "1"}, {v, "2"}, {v, "1"}, {v, "2"}, {v, "3"}, {v, "4"}, {v, last}}
		if last != "5" {
			t.Fatalf("the shipped diagnostic has %s steps; this test writes out 5", last)
		}
		for _, b := range sent {
			r := s.beacon(b[0], b[1])
			if r.status != http.StatusNoContent || r.body != "" {
				t.Fatalf("beacon %v = %d %q, want 204 and no body", b, r.status, r.body)
			}
			if c := r.header.Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("the beacon set cookies: %q", c)
			}
		}
		if err := funnel.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		day := time.Now().UTC().Format(models.DayLayout)
		step := func(n int) string { return "diagnostic_step:" + v + ":" + strconv.Itoa(n) }
		want := map[string]int64{step(1): 2, step(2): 2, step(3): 1, step(4): 1, step(5): 1}
		got := s.today()
		if len(got) != len(want) {
			t.Errorf("counts = %v, want %v", got, want)
		}
		for m, n := range want {
			if got[m] != n {
				t.Errorf("%s = %d, want %d (all: %v)", m, got[m], n, got)
			}
		}
		// What is stored is a day, a metric and a count: no address, no
		// cookie, nothing that tells the two visitors apart.
		var counts []string
		for _, row := range modelstest.AllRows(t, s.store) {
			if strings.HasPrefix(row, "daily_counts: ") {
				counts = append(counts, row)
			}
		}
		if len(counts) != 5 {
			t.Errorf("daily_counts rows = %q, want 5", counts)
		}
		for _, row := range counts {
			fields := strings.Split(strings.Trim(strings.TrimPrefix(row, "daily_counts: "), "()"), ",")
			if s.store.Dialect() == models.SQLite {
				fields = strings.Split(strings.TrimPrefix(row, "daily_counts: "), " | ")
			}
			if len(fields) != 3 || fields[0] != day || !strings.HasPrefix(fields[1], "diagnostic_step:") {
				t.Errorf("daily_counts row %q is not (day, metric, count)", row)
			}
		}
		if found := modelstest.FindText(t, s.store, "127.0.0.1"); len(found) != 0 {
			t.Errorf("the client's address is stored: %q", found)
		}
	})
}

// forEachStepSite runs a test on each dialect with a step site without a
// submission limit.
func forEachStepSite(t *testing.T, test func(t *testing.T, s *site, funnel *handlers.FunnelCounter)) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, funnel := newStepSite(t, dialect, 0)
			test(t, s, funnel)
		})
	}
}

func TestStepBeaconRefusesWhatItCannotCount(t *testing.T) {
	s, funnel := newStepSite(t, models.SQLite, 0)
	v := s.def.Version
	for _, c := range []struct {
		name    string
		version string
		step    string
		header  []string
		status  int
		says    string
	}{
		{"an unknown version", "1999-01-1", "1", nil, http.StatusBadRequest, "Unknown diagnostic version."},
		{"no version", "", "1", nil, http.StatusBadRequest, "Unknown diagnostic version."},
		{"step 0", v, "0", nil, http.StatusBadRequest, "Unknown step."},
		{"a step past the last", v, "6", nil, http.StatusBadRequest, "Unknown step."},
		{"a step that is no number", v, "two", nil, http.StatusBadRequest, "Unknown step."},
		{"a negative step", v, "-1", nil, http.StatusBadRequest, "Unknown step."},
		{"another site's page", v, "1", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, http.StatusForbidden, "own pages only"},
		{"a sibling site's page", v, "1", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden, "own pages only"},
		{"another origin, no fetch metadata", v, "1", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}, http.StatusForbidden, "own pages only"},
		{"JSON", v, "1", []string{"Content-Type", "application/json"}, http.StatusUnsupportedMediaType, "Send the step as a form"},
		{"plain text", v, "1", []string{"Content-Type", "text/plain;charset=UTF-8"}, http.StatusUnsupportedMediaType, "Send the step as a form"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.beacon(c.version, c.step, c.header...)
			if r.status != c.status || !strings.Contains(r.body, c.says) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Errorf("= %d %s %q, want %d plain text saying %q", r.status, r.header.Get("Content-Type"), r.body, c.status, c.says)
			}
			if ck := r.header.Values("Set-Cookie"); len(ck) != 0 {
				t.Errorf("set cookies: %q", ck)
			}
		})
	}
	// An old browser or a program sends neither header: counted, and
	// capped by the address limit like everything else.
	if r := s.beacon(v, "1", "Sec-Fetch-Site", "", "Origin", ""); r.status != http.StatusNoContent {
		t.Errorf("a beacon without fetch metadata = %d, want 204", r.status)
	}
	if err := funnel.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := s.today(); len(got) != 1 || got[models.DiagnosticStepMetric(v, 1)] != 1 {
		t.Errorf("counts = %v, want only the one good beacon", got)
	}
}

func TestStepBeaconFloodIsCapped(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			// One submission a minute: 1 × 2 × 5 steps = 10 beacons.
			s, funnel := newStepSite(t, dialect, 1)
			v := s.def.Version
			startEarlyInAMinute()
			for i := range 25 {
				r := s.beacon(v, "1")
				want := http.StatusNoContent
				if i >= 10 {
					want = http.StatusTooManyRequests
				}
				if r.status != want {
					t.Fatalf("beacon %d = %d, want %d", i+1, r.status, want)
				}
				if want == http.StatusTooManyRequests {
					if wait, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || wait < 1 || wait > 60 {
						t.Errorf("Retry-After %q, want 1 to 60 seconds", r.header.Get("Retry-After"))
					}
				}
			}
			if err := funnel.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := s.today()[models.DiagnosticStepMetric(v, 1)]; got != 10 {
				t.Errorf("step 1 counted %d times, want 10: the refused beacons are not counted", got)
			}
			// The submission limit is its own: the beacons used none of it.
			if r := s.post("/diagnostic", s.validForm(diagnostictest.Value(3))); r.status != http.StatusSeeOther {
				t.Errorf("a submission after the beacon flood = %d, want 303", r.status)
			}
		})
	}
}

func TestOnlyAFreshDiagnosticCountsSteps(t *testing.T) {
	s, _ := newStepSite(t, models.SQLite, 0)
	attr := `data-steps-version="` + s.def.Version + `"`
	if r := s.get("/diagnostic"); !strings.Contains(r.body, attr) {
		t.Errorf("the fresh diagnostic lacks %s", attr)
	}
	form := s.validForm(diagnostictest.Value(3))
	form.Set("email", "")
	r := s.post("/diagnostic", form)
	if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "data-steps-version") {
		t.Errorf("the form shown again (%d) counts its steps again", r.status)
	}
}
