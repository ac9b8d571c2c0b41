package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// resendRecorder stands in for the mail queue: it queues nothing and
// remembers what it was asked to queue.
type resendRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *resendRecorder) queue(_ context.Context, tx models.Tx, leadID int64, kind string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%d/%s", leadID, kind))
	return nil
}

// forEachLeadSite is forEachDialect with the recorder as the site's queue.
func forEachLeadSite(t *testing.T, test func(t *testing.T, s *site, queued *resendRecorder)) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			deps := testDeps(t, store)
			rec := &resendRecorder{}
			deps.QueueEmail = rec.queue
			e, err := handlers.NewServer(deps)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)
			jar, _ := cookiejar.New(nil)
			test(t, &site{t: t, url: srv.URL, store: store, def: deps.Diagnostic, client: &http.Client{
				Jar:           jar,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}}, rec)
		})
	}
}

// saveLead stores a lead whose answers carry wording of their own, unlike
// the diagnostic's current questions, and returns its page's address.
func (s *site) saveLead() (*models.Lead, string) {
	s.t.Helper()
	size := 14
	lead := &models.Lead{
		Name: "Ada Lovelace", Email: "ada@example.com", Company: "Analytical Engines Ltd", Role: "Head of Operations",
		TeamSize: &size, DiagnosticVersion: s.def.Version, OverallIndex: 72, Band: s.def.Bands[0].ID,
		Source: models.Source{LandingPage: "/articles/leadership-vs-management", Referrer: "https://www.linkedin.com/feed/",
			UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "autumn-2026", UTMTerm: "leading", UTMContent: "hero-link"},
		Consents: []models.Consent{{Purpose: models.PurposeSummary, Granted: true, DecidedAt: time.Now().UTC(),
			WordingVersion: "2026-11-1", WordingSHA256: "ab", Wording: "Store my answers and email me my summary."}},
	}
	for i, q := range s.def.Questions[:2] {
		lead.Answers = append(lead.Answers, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension,
			QuestionText: "As stored: question " + strconv.Itoa(i+1), Value: 3, Label: "Stored option label", Points: 2})
	}
	for i, d := range s.def.Dimensions {
		lead.Scores = append(lead.Scores, models.Score{Dimension: d.ID, Position: i + 1, Score: 72})
	}
	if err := s.store.SaveLead(s.t.Context(), lead); err != nil {
		s.t.Fatal(err)
	}
	return lead, "/admin/leads/" + strconv.FormatInt(lead.ID, 10)
}

func (s *site) lead(id int64) *models.Lead {
	s.t.Helper()
	l, err := s.store.LeadByID(s.t.Context(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

var versionInput = regexp.MustCompile(`name="version" value="(\d+)"`)

// leadForm opens the lead's page, as a person would before changing it,
// and returns a form with its token and version, plus fields.
func (s *site) leadForm(path string, fields ...string) url.Values {
	s.t.Helper()
	r := s.get(path)
	token, version := csrfInput.FindStringSubmatch(r.body), versionInput.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || token == nil || version == nil {
		s.t.Fatalf("GET %s = %d without a token and a version", path, r.status)
	}
	v := url.Values{"_csrf": {token[1]}, "version": {version[1]}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return v
}

func wantBody(t *testing.T, r response, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func wantRedirect(t *testing.T, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.header.Get("Location") != to {
		t.Fatalf("response = %d to %q, want 303 to %q\n%s", r.status, r.header.Get("Location"), to, r.body)
	}
}

func TestLeadPageShowsEverythingAboutTheLead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		ctx := t.Context()
		if err := s.store.RecordEmailSent(ctx, lead.ID, models.EmailProspectSummary, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if err := s.store.RecordEmailFailure(ctx, lead.ID, models.EmailTeamNotification, time.Now().UTC(), "550 no such mailbox", true); err != nil {
			t.Fatal(err)
		}
		me := s.signIn(models.RoleConsultant)
		r := s.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d", path, r.status)
		}
		wantBody(t, r,
			"<h1>Ada Lovelace</h1>", `href="mailto:ada@example.com"`, "Analytical Engines Ltd", "Head of Operations", "<dd>14</dd>",
			"As stored: question 1", "As stored: question 2", "Stored option label",
			`<svg viewBox="0 0 400`, `<span class="index-value">72</span>`, s.def.Bands[0].Title,
			`<span class="badge badge-sent">sent</span>`, `<span class="badge badge-failed">failed</span>`, "550 no such mailbox",
			"Store my answers and email me my summary.", "2026-11-1",
			"autumn-2026", "hero-link", "leading", "https://www.linkedin.com/feed/",
			`<span class="history-what">Viewed</span> <span class="history-who">by `+me.Name+`</span>`,
			`<th scope="col">Question</th>`, `<label for="note-body">`, `<label for="status">`, `<label for="owner">`, `<label for="follow-up">`,
		)
		if strings.Contains(r.body, s.def.Questions[0].Text) {
			t.Errorf("the page shows the diagnostic's current wording, not the lead's")
		}
		if strings.Count(r.body, "<h1") != 1 {
			t.Errorf("want exactly one h1")
		}
	})
}

func TestLeadPageRecordsAViewOncePerVisit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		s.signIn(models.RoleAdmin)
		for range 3 {
			s.get(path)
		}
		acts, err := s.store.LeadActivity(t.Context(), lead.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		views := 0
		for _, a := range acts {
			if a.Kind == models.ActivityViewed {
				views++
			}
		}
		if views != 1 {
			t.Errorf("three reloads recorded %d views, want 1", views)
		}
	})
}

func TestChangeLeadStatus(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		me := s.signIn(models.RoleConsultant)
		wantRedirect(t, s.post(path+"/status", s.leadForm(path, "status", "contacted")), path+"?notice=status")
		r := s.get(path + "?notice=status")
		wantBody(t, r, "Status changed.",
			`<span class="history-what">Status changed: new → contacted</span> <span class="history-who">by `+me.Name+`</span>`)
		if l := s.lead(lead.ID); l.Status != models.StatusContacted || l.Version != 2 {
			t.Errorf("lead = %s v%d, want contacted v2", l.Status, l.Version)
		}
	})
}

func TestStaleLeadFormChangesNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		me := s.signIn(models.RoleConsultant)
		form := s.leadForm(path, "owner", strconv.FormatInt(me.ID, 10))
		// Someone else moves the lead on while the form is open.
		if err := s.store.SetLeadStatus(t.Context(), lead.ID, 1, models.StatusQualified, me.ID); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, s.post(path+"/owner", form), path+"?notice=stale")
		if l := s.lead(lead.ID); l.OwnerID != nil || l.Status != models.StatusQualified || l.Version != 2 {
			t.Errorf("after a stale form: owner %v status %s v%d; want no owner, qualified, v2", l.OwnerID, l.Status, l.Version)
		}
		wantBody(t, s.get(path+"?notice=stale"), "Someone else changed this lead while you had it open")
	})
}

func TestLeadFormsRejectBadValues(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		s.signIn(models.RoleConsultant)
		marketer := s.newUser(models.RoleMarketing)
		long := strings.Repeat("x", models.MaxNoteLen+1)
		cases := []struct {
			name, action string
			fields       []string
			want         []string
		}{
			{"unknown status", "/status", []string{"status", "archived"}, []string{"Choose a status from the list.", `id="status" name="status" aria-invalid="true"`}},
			{"marketing owner", "/owner", []string{"owner", strconv.FormatInt(marketer.ID, 10)}, []string{"Only active admins and consultants can own a lead."}},
			{"garbled owner", "/owner", []string{"owner", "me"}, []string{"Only active admins and consultants can own a lead."}},
			{"impossible date", "/follow-up", []string{"follow_up", "2030-02-30"}, []string{"Enter the date as year-month-day", `value="2030-02-30"`}},
			{"overlong note", "/notes", []string{"body", long}, []string{"A note can be at most 5000 characters; this one has 5001.", ">" + long + "</textarea>"}},
			{"blank note", "/notes", []string{"body", "  \r\n "}, []string{"Write the note before adding it.", `id="note-body-error"`}},
		}
		for _, c := range cases {
			r := s.post(path+c.action, s.leadForm(path, c.fields...))
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", c.name, r.status)
				continue
			}
			wantBody(t, r, append(c.want, "This change wasn’t saved", "<h1>Ada Lovelace</h1>")...)
		}
		if l := s.lead(lead.ID); l.Version != 1 || l.Status != models.StatusNew || l.OwnerID != nil || l.FollowUpOn != "" {
			t.Errorf("refused forms changed the lead: %+v", l)
		}
		if notes, _ := s.store.LeadNotes(t.Context(), lead.ID); len(notes) != 0 {
			t.Errorf("refused notes were saved: %+v", notes)
		}
	})
}

func TestLeadOwnerFollowUpAndNotes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		me := s.signIn(models.RoleAdmin)
		wantRedirect(t, s.post(path+"/owner", s.leadForm(path, "owner", strconv.FormatInt(me.ID, 10))), path+"?notice=owner")
		wantRedirect(t, s.post(path+"/follow-up", s.leadForm(path, "follow_up", "2030-01-31")), path+"?notice=follow-up")
		wantRedirect(t, s.post(path+"/notes", s.leadForm(path, "body", "Called; <b>keen</b> on a workshop.")), path+"?notice=note")
		l := s.lead(lead.ID)
		if l.OwnerID == nil || *l.OwnerID != me.ID || l.FollowUpOn != "2030-01-31" || l.Version != 3 {
			t.Errorf("lead = owner %v follow-up %q v%d", l.OwnerID, l.FollowUpOn, l.Version)
		}
		r := s.get(path)
		wantBody(t, r, `value="2030-01-31"`, "Called; &lt;b&gt;keen&lt;/b&gt; on a workshop.", "Assigned to "+me.Name,
			"Follow-up set for 2030-01-31", "Note added")
		wantRedirect(t, s.post(path+"/follow-up", s.leadForm(path, "follow_up", "")), path+"?notice=follow-up")
		wantRedirect(t, s.post(path+"/owner", s.leadForm(path, "owner", "")), path+"?notice=owner")
		if l := s.lead(lead.ID); l.OwnerID != nil || l.FollowUpOn != "" {
			t.Errorf("clearing left owner %v follow-up %q", l.OwnerID, l.FollowUpOn)
		}
	})
}

func TestLeadPageNotFound(t *testing.T) {
	forEachLeadSite(t, func(t *testing.T, s *site, _ *resendRecorder) {
		_, path := s.saveLead()
		s.signIn(models.RoleConsultant)
		for _, p := range []string{"/admin/leads/999999", "/admin/leads/abc", "/admin/leads/0", "/admin/leads/-1", "/admin/leads/01",
			"/admin/leads/1e3", "/admin/leads/99999999999999999999"} {
			if r := s.get(p); r.status != http.StatusNotFound || !strings.Contains(r.body, "We couldn’t find that page") {
				t.Errorf("GET %s = %d, want the 404 page", p, r.status)
			}
		}
		form := s.leadForm(path, "status", "won", "body", "hello")
		for _, action := range []string{"/status", "/notes", "/emails/prospect_summary/resend"} {
			if r := s.post("/admin/leads/999999"+action, form); r.status != http.StatusNotFound {
				t.Errorf("POST to an unknown lead's %s = %d, want 404", action, r.status)
			}
		}
	})
}

func TestMarketingCannotOpenOrChangeALead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		// A valid token, so a 403 is the role's doing, not the form's.
		token := s.formToken("/admin/login")
		s.signIn(models.RoleMarketing)
		if r := s.get(path); r.status != http.StatusForbidden {
			t.Errorf("GET as marketing = %d, want 403", r.status)
		}
		form := url.Values{"_csrf": {token}, "version": {"1"}, "status": {"won"}}
		if r := s.post(path+"/status", form); r.status != http.StatusForbidden {
			t.Errorf("POST as marketing = %d, want 403", r.status)
		}
		if l := s.lead(lead.ID); l.Status != models.StatusNew {
			t.Errorf("marketing changed the status to %s", l.Status)
		}
	})
}

func TestResendLeadEmail(t *testing.T) {
	forEachLeadSite(t, func(t *testing.T, s *site, queued *resendRecorder) {
		lead, path := s.saveLead()
		kind := models.EmailProspectSummary
		if err := s.store.RecordEmailFailure(t.Context(), lead.ID, kind, time.Now().UTC(), "550 no such mailbox", true); err != nil {
			t.Fatal(err)
		}
		s.signIn(models.RoleConsultant)
		form := s.leadForm(path)
		wantRedirect(t, s.post(path+"/emails/"+kind+"/resend", form), path+"?notice=resend")
		if want := fmt.Sprintf("%d/%s", lead.ID, kind); len(queued.calls) != 1 || queued.calls[0] != want {
			t.Errorf("queue calls = %v, want [%s]", queued.calls, want)
		}
		e, err := s.store.LeadEmailState(t.Context(), lead.ID, kind)
		if err != nil || e.FailedAt != nil || e.SentAt != nil || e.LastError != "" {
			t.Errorf("after resend: %+v (%v)", e, err)
		}
		r := s.get(path + "?notice=resend")
		wantBody(t, r, "The email is queued to be sent again.", "Summary to the prospect: queued to send again")
		if strings.Contains(r.body, "badge-failed") || strings.Count(r.body, `<span class="badge badge-queued">queued</span>`) != 2 {
			t.Errorf("want both emails shown as queued after the resend")
		}
		if r := s.post(path+"/emails/newsletter/resend", form); r.status != http.StatusNotFound {
			t.Errorf("resend of an unknown kind = %d, want 404", r.status)
		}
	})
}

func TestResendWithoutAQueueIsUnavailable(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead, path := s.saveLead()
		s.signIn(models.RoleConsultant)
		if r := s.post(path+"/emails/"+models.EmailTeamNotification+"/resend", s.leadForm(path)); r.status != http.StatusServiceUnavailable {
			t.Errorf("resend without a queue = %d, want 503", r.status)
		}
		if acts, _ := s.store.LeadActivity(t.Context(), lead.ID, 1); acts[0].Kind == models.ActivityEmailResent {
			t.Errorf("a resend that could not queue was recorded")
		}
	})
}
