package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// botSite is a site with the timing checks on and a hook standing in for
// the email queue, counting the leads whose emails would be queued.
func botSite(t *testing.T, dialect string, configure func(*handlers.Deps)) (*site, *atomic.Int64) {
	t.Helper()
	var queued atomic.Int64
	s := newSiteWith(t, modelstest.Open(t, dialect), func(d *handlers.Deps) {
		d.SubmitMinDelay = 3 * time.Second
		d.OnLeadSaved = func(context.Context, models.Tx, *models.Lead) error { queued.Add(1); return nil }
		if configure != nil {
			configure(d)
		}
	})
	return s, &queued
}

// servedAgo restamps a form as if it had been served ago.
func servedAgo(v url.Values, ago time.Duration) url.Values {
	v.Set("served", handlers.FormStamp(testSecret, v.Get("submission"), time.Now().Add(-ago)))
	return v
}

// quarantined lists what waits in quarantine.
func (s *site) quarantined() []models.Quarantined {
	s.t.Helper()
	list, _, err := s.store.QuarantineList(s.t.Context())
	if err != nil {
		s.t.Fatal(err)
	}
	return list
}

// submitExpect posts a diagnostic and wants a redirect to a result page,
// returning the result's token.
func (s *site) submitExpect(v url.Values) string {
	s.t.Helper()
	r := s.post("/diagnostic", v)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/results/") {
		s.t.Fatalf("submission = %d to %q, want 303 to a result:\n%.400s", r.status, loc, r.body)
	}
	return strings.TrimPrefix(loc, "/results/")
}

func TestSuspectSubmissionsAreQuarantinedNotDropped(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			cases := []struct {
				name   string
				form   func(s *site) url.Values
				reason string
			}{
				{"honeypot filled", func(s *site) url.Values {
					v := servedAgo(s.validForm(diagnostictest.Value(3)), time.Minute)
					v.Set("fax", "+1 555 0100")
					return v
				}, models.QuarantineHoneypot},
				{"sent faster than a person answers", func(s *site) url.Values { return servedAgo(s.validForm(diagnostictest.Value(3)), time.Second) }, models.QuarantineTooFast},
				{"no stamp", func(s *site) url.Values {
					v := s.validForm(diagnostictest.Value(3))
					v.Del("served")
					return v
				}, models.QuarantineNoToken},
				{"stamp altered", func(s *site) url.Values {
					v := s.validForm(diagnostictest.Value(3))
					_, mac, _ := strings.Cut(v.Get("served"), ".")
					v.Set("served", "1000000000."+mac) // an earlier time, the same signature
					return v
				}, models.QuarantineNoToken},
				{"stamp from another form", func(s *site) url.Values {
					other := servedAgo(s.validForm(diagnostictest.Value(3)), time.Minute)
					v := s.validForm(diagnostictest.Value(3))
					v.Set("served", other.Get("served"))
					return v
				}, models.QuarantineNoToken},
				{"served more than a day ago", func(s *site) url.Values { return servedAgo(s.validForm(diagnostictest.Value(3)), 25*time.Hour) }, models.QuarantineStaleToken},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					s, queued := botSite(t, dialect, nil)
					token := s.submitExpect(tc.form(s))

					// The visitor sees their result, as anyone would.
					res := s.get("/results/" + token)
					if res.status != http.StatusOK || !strings.Contains(res.body, "Ada") {
						t.Fatalf("result of a quarantined submission = %d:\n%.300s", res.status, res.body)
					}
					// Stored and marked, but no lead and no email.
					if n := s.leadCount(); n != 0 {
						t.Errorf("leads = %d, want 0", n)
					}
					if queued.Load() != 0 {
						t.Errorf("emails were queued for a quarantined submission")
					}
					q := s.quarantined()
					if len(q) != 1 || q[0].Reason != tc.reason || q[0].Token != token || q[0].Lead.Email != "ada@example.com" {
						t.Fatalf("quarantine = %+v, want one entry for %s", q, tc.reason)
					}
				})
			}

			t.Run("a person's pace is not suspect", func(t *testing.T) {
				s, queued := botSite(t, dialect, nil)
				token := s.submitExpect(servedAgo(s.validForm(diagnostictest.Value(3)), 40*time.Second))
				if n := s.leadCount(); n != 1 || queued.Load() != 1 || len(s.quarantined()) != 0 {
					t.Fatalf("leads = %d, queued = %d, quarantined = %d; want 1, 1, 0", n, queued.Load(), len(s.quarantined()))
				}
				if _, err := s.store.LeadByToken(t.Context(), token); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("timing checks off", func(t *testing.T) {
				s, queued := botSite(t, dialect, func(d *handlers.Deps) { d.SubmitMinDelay = 0 })
				v := s.validForm(diagnostictest.Value(3))
				v.Del("served")
				s.submitExpect(v)
				if s.leadCount() != 1 || queued.Load() != 1 {
					t.Fatal("with SUBMIT_MIN_SECONDS=0 a fast form without a stamp should be a lead")
				}
				// The honeypot still works.
				v = s.validForm(diagnostictest.Value(3))
				v.Set("fax", "x")
				s.submitExpect(v)
				if s.leadCount() != 1 || len(s.quarantined()) != 1 {
					t.Fatal("a filled honeypot should be quarantined even with the timing checks off")
				}
			})
		})
	}
}

func TestCorrectedFormKeepsItsServedTime(t *testing.T) {
	s, queued := botSite(t, models.SQLite, nil)
	v := servedAgo(s.validForm(diagnostictest.Value(3)), time.Minute)
	v.Set("email", "not an address")
	r := s.post("/diagnostic", v)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad email = %d, want 422", r.status)
	}
	// The form comes back with the original stamp, so fixing a typo and
	// sending again at once is not "too fast".
	m := stampInput.FindStringSubmatch(r.body)
	if m == nil || m[1] != v.Get("served") {
		t.Fatalf("the corrected form lost its stamp: %v", m)
	}
	v.Set("email", "ada@example.com")
	s.submitExpect(v)
	if s.leadCount() != 1 || queued.Load() != 1 {
		t.Fatal("the corrected form should make a lead")
	}
}

func TestResentFormWithOtherDetailsIsQuarantined(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			s, queued := botSite(t, dialect, func(d *handlers.Deps) { d.SubmitMinDelay = 0 })
			v := s.validForm(diagnostictest.Value(3))
			first := s.submitExpect(v)
			// The same form again, as a double click: the same result.
			if again := s.submitExpect(v); again != first {
				t.Fatalf("resubmission went to %s, want %s", again, first)
			}
			// The same form with someone else's address: a replay.
			v.Set("email", "mallory@example.com")
			replay := s.submitExpect(v)
			if replay == first {
				t.Fatal("a replayed form showed the first visitor's result")
			}
			q := s.quarantined()
			if len(q) != 1 || q[0].Reason != models.QuarantineReused || q[0].Lead.Email != "mallory@example.com" || q[0].SubmissionKey != nil {
				t.Fatalf("quarantine = %+v", q)
			}
			if s.leadCount() != 1 || queued.Load() != 1 {
				t.Fatalf("leads = %d, queued = %d; want 1, 1", s.leadCount(), queued.Load())
			}
		})
	}
}

func TestQuarantinedFormSentAgainFindsItsEntry(t *testing.T) {
	s, queued := botSite(t, models.Postgres, nil)
	v := servedAgo(s.validForm(diagnostictest.Value(3)), time.Second)
	first := s.submitExpect(v) // too fast: quarantined
	// Sent again later (the stamp still says one second, but whatever it
	// says, the form is the same one): no second entry, no lead.
	servedAgo(v, time.Minute)
	if again := s.submitExpect(v); again != first {
		t.Fatalf("resubmission went to %s, want %s", again, first)
	}
	if s.leadCount() != 0 || queued.Load() != 0 || len(s.quarantined()) != 1 {
		t.Fatalf("leads = %d, queued = %d, quarantined = %d; want 0, 0, 1", s.leadCount(), queued.Load(), len(s.quarantined()))
	}
}

func TestAdminsReleaseOrDeleteQuarantinedSubmissions(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			s, queued := botSite(t, dialect, nil)
			keep := servedAgo(s.validForm(diagnostictest.Value(3)), time.Second)
			keep.Set("name", `<b>Ada</b> "Byron"`)
			keepToken := s.submitExpect(keep)
			drop := s.validForm(diagnostictest.Value(3))
			drop.Set("fax", "spam")
			drop.Set("email", "bot@example.com")
			s.submitExpect(drop)

			s.signIn(models.RoleConsultant)
			if r := s.get("/admin/quarantine"); r.status == http.StatusOK {
				t.Fatal("a consultant opened the quarantine")
			}
			s.signOut()
			s.signIn(models.RoleAdmin)
			page := s.get("/admin/quarantine")
			if page.status != http.StatusOK {
				t.Fatalf("quarantine page = %d", page.status)
			}
			for _, want := range []string{"2 submissions waiting", "Sent faster than a person could answer", "Filled in the hidden field only bots see",
				"&lt;b&gt;Ada&lt;/b&gt; &#34;Byron&#34;", "bot@example.com"} {
				if !strings.Contains(page.body, want) {
					t.Errorf("quarantine page lacks %q", want)
				}
			}
			if strings.Contains(page.body, "<b>Ada</b>") {
				t.Error("the quarantine page echoed markup from a submission")
			}
			list := s.quarantined()
			var keepID, dropID int64
			for _, q := range list {
				if q.Token == keepToken {
					keepID = q.ID
				} else {
					dropID = q.ID
				}
			}
			csrf := csrfInput.FindStringSubmatch(page.body)[1]

			r := s.post(fmt.Sprintf("/admin/quarantine/%d/release", keepID), url.Values{"_csrf": {csrf}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/quarantine?notice=released" {
				t.Fatalf("release = %d to %q", r.status, r.header.Get("Location"))
			}
			lead, err := s.store.LeadByToken(t.Context(), keepToken)
			if err != nil {
				t.Fatalf("released lead not found by its result token: %v", err)
			}
			if lead.Name != keep.Get("name") || len(lead.Answers) != len(s.def.Questions) || len(lead.Emails) != 2 || queued.Load() != 1 {
				t.Fatalf("released lead = %q with %d answers, %d emails, %d queued", lead.Name, len(lead.Answers), len(lead.Emails), queued.Load())
			}
			history, err := s.store.LeadActivity(t.Context(), lead.ID, 10)
			if err != nil || len(history) != 2 || history[0].Kind != models.ActivityReleased {
				t.Fatalf("history = %+v, %v", history, err)
			}
			// The visitor's link still works, now on the lead.
			if res := s.get("/results/" + keepToken); res.status != http.StatusOK {
				t.Fatalf("result after release = %d", res.status)
			}
			// Releasing twice (two admins, or a double click) makes one lead.
			r = s.post(fmt.Sprintf("/admin/quarantine/%d/release", keepID), url.Values{"_csrf": {csrf}})
			if r.header.Get("Location") != "/admin/quarantine?notice=gone" || s.leadCount() != 1 || queued.Load() != 1 {
				t.Fatalf("second release = %q, leads = %d, queued = %d", r.header.Get("Location"), s.leadCount(), queued.Load())
			}

			r = s.post(fmt.Sprintf("/admin/quarantine/%d/delete", dropID), url.Values{"_csrf": {csrf}})
			if r.header.Get("Location") != "/admin/quarantine?notice=deleted" {
				t.Fatalf("delete = %d to %q", r.status, r.header.Get("Location"))
			}
			if len(s.quarantined()) != 0 || s.leadCount() != 1 {
				t.Fatal("delete left the entry or made a lead")
			}
			if page := s.get("/admin/quarantine"); !strings.Contains(page.body, "Nothing in quarantine") {
				t.Error("the empty quarantine does not say so")
			}
		})
	}
}

func TestSubmitAndSignInAreRateLimitedPerClient(t *testing.T) {
	s, _ := botSite(t, models.SQLite, func(d *handlers.Deps) { d.SubmitMinDelay = 0; d.SubmitRateLimit = 3 })
	// Requests are counted per minute of the clock: start early in one, so
	// that all of them fall in it.
	if into := time.Since(time.Now().Truncate(time.Minute)); into > 45*time.Second {
		time.Sleep(time.Minute - into)
	}
	v := s.validForm(diagnostictest.Value(3))
	v.Set("email", "") // invalid, yet each still counts
	for i := range 3 {
		if r := s.post("/diagnostic", v); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("submission %d = %d, want 422", i+1, r.status)
		}
	}
	v.Set("email", "ada@example.com")
	r := s.post("/diagnostic", v)
	// The count starts again with the next minute: Retry-After is the
	// seconds left to it (TestRateLimitPerClockMinute has exact values).
	_, left := models.RateMinute(time.Now())
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusTooManyRequests || err != nil || wait < left || wait > left+1 {
		t.Fatalf("fourth submission = %d, Retry-After %q; want 429, %d or %d", r.status, r.header.Get("Retry-After"), left, left+1)
	}
	// The page is the form with every answer kept and a clear message.
	for _, want := range []string{"Please send it again in", `value="ada@example.com"`, `value="Analytical Engines Ltd"`, "checked"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("429 page lacks %q", want)
		}
	}
	if s.leadCount() != 0 {
		t.Fatal("a refused submission was saved")
	}

	// Sign-in has its own allowance.
	form := url.Values{"_csrf": {s.formToken("/admin/login")}, "email": {"who@example.com"}, "password": {"wrong password"}}
	for i := range 3 {
		if r := s.post("/admin/login", form); r.status == http.StatusTooManyRequests {
			t.Fatalf("sign-in %d refused too early", i+1)
		}
	}
	r = s.post("/admin/login", form)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many sign-in attempts") {
		t.Fatalf("fourth sign-in = %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}
