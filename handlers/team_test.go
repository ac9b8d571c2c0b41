package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/report/pdftest"
	"github.com/stellapop/intake/team"
)

// teamSite is the site with the team's emails going through a real
// queue to a real SMTP server in the test.
type teamSite struct {
	*site
	smtp *mailtest.Server
}

func newTeamSite(t *testing.T, dialect string, change func(*handlers.Deps)) *teamSite {
	t.Helper()
	store := modelstest.Open(t, dialect)
	smtp := mailtest.NewServer(t)
	settings, err := mail.ParseSMTPURL(smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := mail.NewSMTPTransport(settings, 0)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	workers := river.NewWorkers()
	deps := testDeps(t, store)
	err = team.AddWorkers(workers, store, team.MailConfig{
		BaseURL: deps.BaseURL, From: &netmail.Address{Name: "StellaPop", Address: "hello@stellapop.example"},
		Transport: transport, Questions: len(deps.Diagnostic.Questions),
		Diagnostic: deps.Diagnostic, Firm: []*netmail.Address{{Name: "Consulting", Address: "consulting@stellapop.example"}}, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(store, jobs.Config{Workers: workers, Log: log, Queues: map[string]int{mail.QueueName: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(store)(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	enq := team.Enqueuer{Queue: q}
	s := newSiteWith(t, store, func(d *handlers.Deps) {
		d.OnInvited, d.OnTeamUnlocked = enq.EnqueueInvites, enq.EnqueueUnlocked
		if change != nil {
			change(d)
		}
	})
	return &teamSite{site: s, smtp: smtp}
}

// newLead takes the diagnostic as email and returns the result's token.
func (s *teamSite) newLead(email string) string {
	s.t.Helper()
	v := s.validForm(diagnostictest.Value(3))
	v.Set("email", email)
	r := s.post("/diagnostic", v)
	token, ok := strings.CutPrefix(r.header.Get("Location"), "/results/")
	if r.status != 303 || !ok {
		s.t.Fatalf("POST /diagnostic = %d %q", r.status, r.header.Get("Location"))
	}
	return token
}

// invite sends an invitation list from the result page, ticked or not.
func (s *teamSite) invite(token, emails string, confirm bool) response {
	s.t.Helper()
	page := s.get("/results/" + token)
	m := csrfInput.FindStringSubmatch(page.body)
	if page.status != 200 || m == nil || !strings.Contains(page.body, `action="/results/`+token+`/team/invite#team"`) {
		s.t.Fatalf("GET /results/%s = %d without the invitation form", token, page.status)
	}
	v := url.Values{"_csrf": {m[1]}, "emails": {emails}}
	if confirm {
		v.Set("confirm", "yes")
	}
	return s.post("/results/"+token+"/team/invite", v)
}

// answer answers an invitation with pick.
func (s *teamSite) answer(link string, pick diagnostictest.Pick) response {
	s.t.Helper()
	page := s.get(link)
	m := csrfInput.FindStringSubmatch(page.body)
	if page.status != 200 || m == nil {
		s.t.Fatalf("GET %s = %d without a form", link, page.status)
	}
	if strings.Contains(page.body, `name="email"`) {
		s.t.Errorf("the team's form asks for contact details")
	}
	v := url.Values{"_csrf": {m[1]}}
	diagnostictest.Fill(v, s.def, pick)
	return s.post(link, v)
}

var teamLink = regexp.MustCompile(`https://intake\.example\.com(/team/[A-Za-z0-9_-]+)`)

// inviteLinks waits for n invitations and returns each recipient's link.
func (s *teamSite) inviteLinks(n int) map[string]string {
	s.t.Helper()
	links := map[string]string{}
	for _, m := range s.smtp.WaitForMessages(s.t, n, 20*time.Second) {
		msg, err := m.Parse()
		if err != nil {
			s.t.Fatal(err)
		}
		if !strings.Contains(msg.Header.Get("Subject"), "asked for your view") {
			continue
		}
		body, _ := io.ReadAll(msg.Body)
		l := teamLink.FindStringSubmatch(string(body))
		if l == nil {
			s.t.Fatalf("invitation without a /team/ link:\n%s", body)
		}
		if !strings.Contains(msg.Header.Get("List-Unsubscribe"), l[1]+"/never-email") || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			s.t.Errorf("invitation without one-click unsubscribe headers: %q", msg.Header.Get("List-Unsubscribe"))
		}
		for _, want := range []string{"Ada at Analytical Engines Ltd", "anonymous and pooled", "minutes", "Never email me again"} {
			if !strings.Contains(strings.Join(strings.Fields(string(body)), " "), want) {
				s.t.Errorf("invitation does not say %q", want)
			}
		}
		links[strings.ToLower(m.To[0])] = l[1]
	}
	return links
}

// firmMail is the consulting team's email about a team view.
type firmMail struct{ subject, text string }

// firmEmail waits for the consulting team's email that a team view unlocked.
func (s *teamSite) firmEmail() firmMail {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range s.smtp.Messages() {
			if !strings.EqualFold(m.To[0], "consulting@stellapop.example") {
				continue
			}
			subject, err := m.Subject()
			if err != nil {
				s.t.Fatal(err)
			}
			text, _, err := m.Parts()
			if err != nil {
				s.t.Fatal(err)
			}
			return firmMail{subject: subject, text: text}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatal("the consulting team's email did not arrive when the team view unlocked")
	return firmMail{}
}

// waitForNoAddress waits until no table holds any of addrs in clear.
func (s *teamSite) waitForNoAddress(addrs ...string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		found := modelstest.FindText(s.t, s.store, addrs...)
		if len(found) == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("invitee addresses still in the database after sending:\n%s", strings.Join(found, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTeamViewUnlocksAtThreeAnswers(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			s := newTeamSite(t, dialect, nil)
			token := s.newLead("ada@example.com")
			invitees := []string{"Grace.Hopper@navy.example", "katherine@nasa.example", "mary@nasa.example", "dorothy@nasa.example"}
			r := s.invite(token, strings.Join(invitees, "\n"), true)
			if r.status != 303 || !strings.Contains(r.header.Get("Location"), "invited=4") {
				t.Fatalf("invite = %d %q\n%s", r.status, r.header.Get("Location"), r.body)
			}
			links := s.inviteLinks(4)
			if len(links) != 4 {
				t.Fatalf("got invitations for %v", links)
			}
			s.waitForNoAddress(invitees...)

			// Distinctive answers: each colleague's scores differ from the
			// team's averages and from the inviter's own.
			picks := []diagnostictest.Pick{diagnostictest.Worst, diagnostictest.Best, diagnostictest.Varied}
			for i, addr := range invitees[:2] {
				if r := s.answer(links[strings.ToLower(addr)], picks[i]); r.status != 303 || r.header.Get("Location") != "/team/thanks" {
					t.Fatalf("answer %d = %d %q", i, r.status, r.header.Get("Location"))
				}
			}
			locked := s.get("/results/" + token + "/team")
			if locked.status != 200 || !strings.Contains(locked.body, "2 of 3 answers so far") || strings.Contains(locked.body, "index-value") || strings.Contains(locked.body, `class="num"`) {
				t.Fatalf("team page before three answers = %d, shows more than the count:\n%s", locked.status, locked.body)
			}
			if strings.Contains(s.get("/results/"+token).body, "index is ready") {
				t.Errorf("the result page says the team view is ready at two answers")
			}
			// The firm sees how far it has come, and nothing more.
			lead, err := s.store.LeadByToken(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			s.signIn(models.RoleConsultant)
			panel := leadTeamPanel(s.get(fmt.Sprintf("/admin/leads/%d", lead.ID)).body)
			for _, want := range []string{"<dt>Invitations sent</dt><dd>4</dd>", "<dt>Answers received</dt><dd>2 of the 3 it opens at</dd>", "opens when 3 colleagues have answered"} {
				if !strings.Contains(panel, want) {
					t.Errorf("the lead page's team view before three answers lacks %q:\n%s", want, panel)
				}
			}
			if strings.Contains(panel, `class="num"`) || strings.Contains(panel, "index-value") {
				t.Errorf("the lead page shows team scores at two answers:\n%s", panel)
			}
			if text := s.resultPDFText(token); strings.Contains(text, "your team") || strings.Contains(text, "Pooled from") {
				t.Errorf("the result PDF speaks of the team at two answers:\n%s", text)
			}
			if r := s.answer(links[strings.ToLower(invitees[2])], picks[2]); r.status != 303 {
				t.Fatalf("third answer = %d", r.status)
			}

			// The inviter's email arrives.
			var unlocked bool
			deadline := time.Now().Add(20 * time.Second)
			for !unlocked && time.Now().Before(deadline) {
				for _, m := range s.smtp.Messages() {
					if strings.EqualFold(m.To[0], "ada@example.com") && strings.Contains(string(m.Data), "team's view of your manager is ready") {
						unlocked = true
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !unlocked {
				t.Fatal("the inviter's email did not arrive when the team view unlocked")
			}
			// So does the consulting team's, with the pooled figures and the
			// lead page's link.
			firm := s.firmEmail()
			if firm.subject != "Analytical Engines Ltd: 3 colleagues rated the same manager" {
				t.Errorf("the consulting team's subject = %q", firm.subject)
			}

			report := s.get("/results/" + token + "/team")
			if report.status != 200 || !strings.Contains(report.body, "the team’s leadership index") || !strings.Contains(report.body, "What your team sees differently") {
				t.Fatalf("team page after three answers = %d:\n%s", report.status, report.body)
			}
			// Never an individual answer: no colleague's own score that is
			// neither the inviter's nor the team's average shows in a cell,
			// on the inviter's page or on the lead page.
			own := lead.ScoreMap()
			panel = leadTeamPanel(s.get(fmt.Sprintf("/admin/leads/%d", lead.ID)).body)
			for _, want := range []string{"<dt>Invitations sent</dt><dd>4</dd>", "<dt>Answers received</dt><dd>3</dd>", "the team’s leadership index", "What the team sees differently"} {
				if !strings.Contains(panel, want) {
					t.Errorf("the lead page's unlocked team view lacks %q:\n%s", want, panel)
				}
			}
			var all []map[string]int
			for _, p := range picks {
				res, err := s.def.Score(diagnostictest.Answers(s.def, p))
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, res.Scores())
			}
			rep := team.BuildReport(s.def, own, all)
			for _, want := range []string{
				fmt.Sprintf("Open the lead: https://intake.example.com/admin/leads/%d", lead.ID),
				fmt.Sprintf("Team index %d/100: %s", rep.Index, rep.Band.Title),
				"pooled from 3 answers; never one person's",
			} {
				if !strings.Contains(firm.text, want) {
					t.Errorf("the consulting team's email does not say %q:\n%s", want, firm.text)
				}
			}
			for _, d := range rep.Dimensions {
				if row := fmt.Sprintf("%-20s %4d %4d  %s", d.Dimension.Name, d.Own, d.Average, d.Agreement); !strings.Contains(firm.text, row) {
					t.Errorf("the consulting team's email has no row %q", row)
				}
			}
			for _, page := range []struct{ name, body string }{{"the team page", report.body}, {"the lead page", panel}} {
				for _, d := range rep.Dimensions {
					row := fmt.Sprintf(`<th scope="row">%s</th><td class="num">%d</td><td class="num">%d</td>`, d.Dimension.Name, d.Own, d.Average)
					if !strings.Contains(page.body, row) {
						t.Errorf("%s has no row %s", page.name, row)
					}
					for _, a := range all {
						if v := a[d.Dimension.ID]; v != d.Own && v != d.Average && strings.Contains(page.body, fmt.Sprintf(`<td class="num">%d</td>`, v)) {
							t.Errorf("an individual score (%s %d) shows on %s", d.Dimension.Name, v, page.name)
						}
					}
				}
			}
			text := strings.Join(strings.Fields(s.resultPDFText(token)), " ")
			for _, want := range []string{"How your team sees your manager", "Pooled from 3 colleagues’ answers", fmt.Sprintf("%d /100 the team’s leadership index", rep.Index)} {
				if !strings.Contains(text, want) {
					t.Errorf("the result PDF lacks %q once the team view unlocked:\n%s", want, text)
				}
			}
			for _, d := range rep.Dimensions {
				if row := fmt.Sprintf("%s %d %d %s", d.Dimension.Name, d.Own, d.Average, d.Agreement); !strings.Contains(text, row) {
					t.Errorf("the result PDF has no team row %q", row)
				}
			}
			if !strings.Contains(s.get("/results/"+token).body, "Your team’s view is ready") {
				t.Errorf("the result page does not say the team view is ready")
			}

			// A used link is refused politely; an unknown one is not found.
			used := s.get(links[strings.ToLower(invitees[0])])
			if used.status != 410 || !strings.Contains(used.body, "already used") {
				t.Errorf("a used link = %d", used.status)
			}
			if again := s.answer(links[strings.ToLower(invitees[3])], picks[0]); again.status != 303 {
				t.Errorf("the fourth colleague could not answer: %d", again.status)
			}
			if r := s.get("/team/not-a-real-token"); r.status != 404 {
				t.Errorf("an unknown link = %d", r.status)
			}

			// Nothing links an answer to an invitation or a person.
			for _, row := range modelstest.AllRows(t, s.store) {
				if strings.HasPrefix(row, "team_answers:") && regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{2}:\d{2}`).MatchString(row) {
					t.Errorf("a team answer holds a date or time: %s", row)
				}
			}
			if found := modelstest.FindText(t, s.store, invitees...); len(found) > 0 {
				t.Errorf("invitee addresses in the database: %v", found)
			}
		})
	}
}

func TestTeamNeverEmailStopsLaterInvitations(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			s := newTeamSite(t, dialect, nil)
			first := s.newLead("ada@example.com")
			if r := s.invite(first, "dorothy@nasa.example", true); r.status != 303 {
				t.Fatalf("invite = %d", r.status)
			}
			link := s.inviteLinks(1)["dorothy@nasa.example"]
			// A mail client's one-click unsubscribe (RFC 8058).
			r := s.postRaw(link+"/never-email", "List-Unsubscribe=One-Click")
			if r.status != 200 {
				t.Fatalf("one-click never-email = %d", r.status)
			}
			second := s.newLead("charles@example.com")
			r = s.invite(second, "Dorothy@NASA.example\nmary@nasa.example", true)
			if r.status != 303 || !strings.Contains(r.header.Get("Location"), "invited=1&skipped=1") {
				t.Fatalf("second invite = %d %q", r.status, r.header.Get("Location"))
			}
			page := s.get(r.header.Get("Location"))
			if !strings.Contains(page.body, "1 address was not invited") {
				t.Errorf("the result page does not say an address was left out")
			}
			s.smtp.WaitForMessages(t, 2, 20*time.Second)
			time.Sleep(300 * time.Millisecond)
			n := 0
			for _, m := range s.smtp.Messages() {
				if strings.EqualFold(m.To[0], "dorothy@nasa.example") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("dorothy got %d invitations, want only the first", n)
			}
		})
	}
}

func TestTeamErasureRemovesTeamData(t *testing.T) {
	for _, dialect := range []string{models.Postgres, models.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			s := newTeamSite(t, dialect, nil)
			token := s.newLead("ada@example.com")
			if r := s.invite(token, "grace@navy.example\nkatherine@nasa.example", true); r.status != 303 {
				t.Fatalf("invite = %d", r.status)
			}
			links := s.inviteLinks(2)
			if r := s.answer(links["grace@navy.example"], diagnostictest.Best); r.status != 303 {
				t.Fatalf("answer = %d", r.status)
			}
			lead, err := s.store.LeadByToken(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			admin := s.newUser(models.RoleAdmin)
			if _, err := s.store.EraseLead(context.Background(), lead.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			for _, row := range modelstest.AllRows(t, s.store) {
				if strings.HasPrefix(row, "team_") {
					t.Errorf("left after erasure: %s", row)
				}
			}
			if r := s.get(links["katherine@nasa.example"]); r.status != 404 {
				t.Errorf("an erased lead's invitation = %d, want 404", r.status)
			}
		})
	}
}

func TestInvitationListProblems(t *testing.T) {
	s := newTeamSite(t, models.SQLite, nil)
	token := s.newLead("ada@example.com")
	var hundred []string
	for i := range 100 {
		hundred = append(hundred, fmt.Sprintf("colleague%d@example.org", i))
	}
	for _, tc := range []struct {
		name, emails string
		confirm      bool
		want         []string // messages shown
		kept         []string // addresses kept in the form
	}{
		{"no tick", "grace@navy.example", false, []string{"Tick the box to confirm"}, []string{"grace@navy.example"}},
		{"empty", "  \n ", true, []string{"Enter at least one colleague"}, nil},
		{"100 addresses", strings.Join(hundred, "\n"), true, []string{"The list has 100 addresses: you can invite up to 20 at a time (50 left for this result)."}, hundred[:3]},
		{"duplicates", "grace@navy.example\nGrace@Navy.example", true, []string{"Grace@Navy.example is in the list more than once"}, []string{"grace@navy.example"}},
		{"malformed", "grace@navy.example\nnot-an-address\nbob@localhost", true,
			[]string{"&#34;not-an-address&#34; is not an email address", "&#34;bob@localhost&#34; is not an email address"}, []string{"grace@navy.example"}},
		{"own address", "ADA@example.com, grace@navy.example", true, []string{"ADA@example.com is your own address"}, []string{"grace@navy.example"}},
		{"header tricks", "grace@navy.example\r\nBcc: victim@example.org\nx@y.example%0d%0aBcc:z@example.org\n\"Evil\" <evil@example.org>", true,
			[]string{"&#34;Bcc:&#34; is not an email address", "&#34;x@y.example%0d%0aBcc:z@example.org&#34; is not an email address", "&#34;&lt;evil@example.org&gt;&#34; is not an email address"},
			[]string{"grace@navy.example", "victim@example.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.invite(token, tc.emails, tc.confirm)
			if r.status != 422 {
				t.Fatalf("status %d, want 422", r.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("no message %q in\n%s", w, teamSection(r.body))
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(teamSection(r.body), k) {
					t.Errorf("%s not kept in the form", k)
				}
			}
		})
	}
	// Over the lead's limit in all: refused, saying how many are left.
	r := s.invite(token, strings.Join(hundred[:20], "\n"), true)
	r = s.invite(token, strings.Join(hundred[20:40], "\n"), true)
	if r.status != 303 {
		t.Fatalf("40 invitations = %d", r.status)
	}
	r = s.invite(token, strings.Join(hundred[40:60], "\n"), true)
	if r.status != 422 || !strings.Contains(r.body, "You can invite 10 more colleagues from this result (50 in all); the list has 20 new addresses.") {
		t.Errorf("over the limit = %d\n%s", r.status, teamSection(r.body))
	}
	if n := len(modelstest.FindText(t, s.store, "colleague45@example.org")); n != 0 {
		t.Errorf("a refused list left %d rows", n)
	}
}

func TestInvitationsAreRateLimited(t *testing.T) {
	s := newTeamSite(t, models.SQLite, func(d *handlers.Deps) { d.InviteRateLimit = 2 })
	token := s.newLead("ada@example.com")
	for i := range 3 {
		r := s.invite(token, "not-an-address", true)
		if want := map[bool]int{true: 429, false: 422}[i == 2]; r.status != want {
			t.Errorf("list %d = %d, want %d", i+1, r.status, want)
		}
	}
}

func TestQuarantinedResultCannotInvite(t *testing.T) {
	// Every submission is too quick, so it is held in quarantine.
	s := newTeamSite(t, models.SQLite, func(d *handlers.Deps) { d.SubmitMinDelay = time.Hour })
	token := s.newLead("ada@example.com")
	page := s.get("/results/" + token)
	if page.status != 200 || strings.Contains(page.body, `name="emails"`) || !strings.Contains(teamSection(page.body), "not available for this result yet") {
		t.Fatalf("a held result = %d, offers inviting:\n%s", page.status, teamSection(page.body))
	}
	r := s.post("/results/"+token+"/team/invite", url.Values{"_csrf": {s.csrf()}, "emails": {"grace@navy.example"}, "confirm": {"yes"}})
	if r.status != 409 {
		t.Errorf("inviting from a held result = %d, want 409", r.status)
	}
	if found := modelstest.FindText(t, s.store, "grace@navy.example"); len(found) != 0 {
		t.Errorf("a held result's invitation was stored: %v", found)
	}
}

// resultPDFText is the text of the result PDF of token.
func (s *teamSite) resultPDFText(token string) string {
	s.t.Helper()
	r := s.get("/results/" + token + "/report.pdf")
	if r.status != 200 {
		s.t.Fatalf("GET the result PDF = %d", r.status)
	}
	return pdftest.Text(s.t, []byte(r.body))
}

// leadTeamPanel is the lead page's team view panel.
func leadTeamPanel(body string) string {
	start := strings.Index(body, `id="team-title"`)
	end := strings.Index(body, `id="answers-title"`)
	if start < 0 || end < start {
		return ""
	}
	return body[start:end]
}

// teamSection is the result page's team section.
func teamSection(body string) string {
	start := strings.Index(body, `id="team"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}
