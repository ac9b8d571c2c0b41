package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// The load generator behaves like many visitors without JavaScript: each
// opens the form (which sets the CSRF cookie), answers every question the
// page asks, and sends it. A visitor whose submission fails (a 503, a
// dropped connection while the process is down) sends the same form again,
// as a person pressing the button once more would, until it is accepted.

// loadRequestTimeout bounds every request: a visitor never waits longer.
const loadRequestTimeout = 5 * time.Second

// outcome is one POST /diagnostic.
type outcome struct {
	start, end time.Time
	status     int // 0 when no response came back
	err        error
}

// loadGen drives concurrent submissions against base until stopped.
type loadGen struct {
	base string

	mu       sync.Mutex
	outcomes []outcome
	acked    map[string]string    // submission key → result token, for every 303
	ackedAt  map[string]time.Time // submission key → when the 303 came back
	problems []string             // answers that break the contract, e.g. a 500
	formErrs int                  // GET /diagnostic failures (expected while the process is down)
	pending  int                  // visitors abandoned before their form was accepted

	next      atomic.Int64
	noteEvery func(o outcome, body []byte, v *visitor) // optional extra check per POST
	visitors
}

// visitors are goroutines each playing visitors one after another, until
// told to start no new one, and then to abandon those in progress.
type visitors struct {
	newWork  context.Context // cancelled: start no new visitor
	stopNew  context.CancelFunc
	hard     context.Context // cancelled: abandon visitors in progress
	stopHard context.CancelFunc
	wg       sync.WaitGroup
}

// start runs n goroutines, each calling visit until no new visitor may
// start; visit's context is cancelled when those in progress are abandoned.
func (p *visitors) start(n int, visit func(ctx context.Context)) {
	p.newWork, p.stopNew = context.WithCancel(context.Background())
	p.hard, p.stopHard = context.WithCancel(context.Background())
	for range n {
		p.wg.Go(func() {
			for p.newWork.Err() == nil {
				visit(p.hard)
			}
		})
	}
}

// stop starts no new visitor and gives those in progress up to grace.
func (p *visitors) stop(grace time.Duration) {
	p.stopNew()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		p.stopHard()
		<-done
	}
	p.stopHard()
}

// startLoad starts workers concurrent visitors against base.
func startLoad(base string, workers int) *loadGen {
	l := &loadGen{base: base, acked: map[string]string{}, ackedAt: map[string]time.Time{}}
	l.start(workers, func(context.Context) { l.visit() })
	return l
}

// visit is one visitor: open the form, then send it until it is accepted.
func (l *loadGen) visit() {
	n := int(l.next.Add(1))
	v, err := newVisitor(l.hard, l.base, n)
	if err != nil {
		l.mu.Lock()
		l.formErrs++
		l.mu.Unlock()
		sleepCtx(l.hard, 100*time.Millisecond)
		return
	}
	for {
		o, loc, body := v.send(l.hard)
		if l.noteEvery != nil {
			l.noteEvery(o, body, v)
		}
		l.mu.Lock()
		l.outcomes = append(l.outcomes, o)
		switch o.status {
		case http.StatusSeeOther:
			token, ok := strings.CutPrefix(loc, "/results/")
			if !ok {
				l.problems = append(l.problems, fmt.Sprintf("visitor %d: 303 to %q, want /results/<token>", n, loc))
			}
			l.acked[v.key], l.ackedAt[v.key] = token, o.end
		case 0, http.StatusServiceUnavailable:
			// Sent again below.
		default:
			l.problems = append(l.problems, fmt.Sprintf("visitor %d: POST /diagnostic = %d: %s", n, o.status, snippet(body)))
		}
		l.mu.Unlock()
		if o.status != 0 && o.status != http.StatusServiceUnavailable {
			return
		}
		if l.hard.Err() != nil {
			l.mu.Lock()
			l.pending++
			l.mu.Unlock()
			return
		}
		sleepCtx(l.hard, 150*time.Millisecond)
	}
}

// results returns what the load saw so far.
func (l *loadGen) results() (outcomes []outcome, acked map[string]string, problems []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.outcomes), mapsClone(l.acked), slices.Clone(l.problems)
}

func mapsClone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// firstAckAfter is when the first submission sent at or after t was accepted.
func (l *loadGen) firstAckAfter(t time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, o := range l.outcomes {
		if o.status == http.StatusSeeOther && !o.start.Before(t) {
			return o.end, true
		}
	}
	return time.Time{}, false
}

// visitor is one person with one filled-in form.
type visitor struct {
	n      int
	base   string
	client *http.Client
	form   url.Values
	key    string            // the form's hidden submission key
	radios map[string]string // answer field → the value chosen
}

var (
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	attribute = regexp.MustCompile(`\b(type|name|value)="([^"]*)"`)
)

// newVisitor opens the form and fills it in the way visitor n answers.
func newVisitor(ctx context.Context, base string, n int) (*visitor, error) {
	return newVisitorVia(ctx, base, n, nil)
}

// newVisitorVia is newVisitor with every request of the visitor sent
// through rt (nil: the default transport).
func newVisitorVia(ctx context.Context, base string, n int, rt http.RoundTripper) (*visitor, error) {
	jar, _ := cookiejar.New(nil)
	v := &visitor{n: n, base: base, radios: map[string]string{}, form: url.Values{}, client: &http.Client{
		Jar: jar, Timeout: loadRequestTimeout, Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/diagnostic", nil)
	if err != nil {
		return nil, err
	}
	res, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /diagnostic = %d", res.StatusCode)
	}
	options := map[string][]string{}
	var radioNames []string
	for _, tag := range inputTag.FindAllString(string(page), -1) {
		attrs := map[string]string{}
		for _, m := range attribute.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = html.UnescapeString(m[2])
		}
		switch attrs["type"] {
		case "hidden": // CSRF token, submission key, source, and whatever else the form carries
			v.form.Set(attrs["name"], attrs["value"])
		case "radio":
			if _, seen := options[attrs["name"]]; !seen {
				radioNames = append(radioNames, attrs["name"])
			}
			options[attrs["name"]] = append(options[attrs["name"]], attrs["value"])
		}
	}
	v.key = v.form.Get("submission")
	if v.form.Get("_csrf") == "" || v.key == "" || len(radioNames) == 0 {
		return nil, errors.New("the form has no CSRF token, submission key or questions")
	}
	for i, name := range radioNames {
		opts := options[name]
		v.radios[name] = opts[(n*7+i*3)%len(opts)]
		v.form.Set(name, v.radios[name])
	}
	v.form.Set("name", fmt.Sprintf("Load Visitor %d", n))
	v.form.Set("email", fmt.Sprintf("load%d@example.com", n))
	v.form.Set("company", "Acme Load")
	v.form.Set("role", "Head of Operations")
	v.form.Set("team_size", fmt.Sprint(1+n%40))
	v.form.Set("consent_summary", "yes")
	if n%2 == 0 {
		v.form.Set("consent_marketing", "yes")
	}
	return v, nil
}

// send posts the form once and returns the outcome, the Location of a
// redirect and the page.
func (v *visitor) send(ctx context.Context) (outcome, string, []byte) {
	o := outcome{start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.base+"/diagnostic", strings.NewReader(v.form.Encode()))
	if err != nil {
		o.err, o.end = err, time.Now()
		return o, "", nil
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.client.Do(req)
	if err != nil {
		o.err, o.end = err, time.Now()
		return o, "", nil
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	o.end = time.Now()
	if err != nil {
		o.err = err
		return o, "", nil
	}
	o.status = res.StatusCode
	return o, res.Header.Get("Location"), body
}

// keptAnswers reports what a page that sent the form back is missing of
// what the visitor had entered, or "" when everything is there.
func (v *visitor) keptAnswers(page []byte) string {
	s := string(page)
	var missing []string
	for _, f := range []string{"name", "email", "company", "role"} {
		if !strings.Contains(s, `name="`+f+`"`) || !strings.Contains(s, `value="`+html.EscapeString(v.form.Get(f))+`"`) {
			missing = append(missing, f)
		}
	}
	for name, value := range v.radios {
		if !strings.Contains(s, fmt.Sprintf(`name="%s" value="%s" checked`, name, value)) {
			missing = append(missing, name)
		}
	}
	if !strings.Contains(s, `name="submission" value="`+v.key+`"`) {
		missing = append(missing, "submission key")
	}
	if len(missing) == 0 {
		return ""
	}
	sort.Strings(missing)
	return strings.Join(missing, ", ")
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// storedLead is a lead as the database holds it, with its queued emails.
type storedLead struct {
	id            int64
	token         string
	submissionKey string
	jobs          map[string][]string // email kind → states of River jobs for it
	emails        map[string]bool     // email kind → a lead_emails row exists
}

// readLeadsAndJobs loads every lead and every email job from dbURL. Jobs
// whose lead does not exist are returned apart.
func readLeadsAndJobs(t *testing.T, dbURL string) (leads map[int64]*storedLead, orphans []string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	leads = map[int64]*storedLead{}
	rows, err := db.QueryContext(ctx, `SELECT id, token, COALESCE(submission_key, '') FROM leads`)
	if err != nil {
		t.Fatalf("read leads: %v", err)
	}
	for rows.Next() {
		l := &storedLead{jobs: map[string][]string{}, emails: map[string]bool{}}
		if err := rows.Scan(&l.id, &l.token, &l.submissionKey); err != nil {
			t.Fatal(err)
		}
		leads[l.id] = l
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// River keeps completed jobs for 24 hours (CompletedJobRetentionPeriod),
	// so every job a lead ever had is still in river_job, whatever its state.
	rows, err = db.QueryContext(ctx, `SELECT id, args, state FROM river_job WHERE kind = $1`, mail.EmailArgs{}.Kind())
	if err != nil {
		t.Fatalf("read jobs: %v", err)
	}
	for rows.Next() {
		var (
			id          int64
			args, state string
		)
		if err := rows.Scan(&id, &args, &state); err != nil {
			t.Fatal(err)
		}
		var a mail.EmailArgs
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			t.Fatalf("job %d args %s: %v", id, args, err)
		}
		l, ok := leads[a.LeadID]
		if !ok {
			orphans = append(orphans, fmt.Sprintf("job %d (%s, %s) for lead %d", id, a.EmailKind, state, a.LeadID))
			continue
		}
		l.jobs[a.EmailKind] = append(l.jobs[a.EmailKind], state)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	rows, err = db.QueryContext(ctx, `SELECT lead_id, kind FROM lead_emails`)
	if err != nil {
		t.Fatalf("read lead emails: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			kind string
		)
		if err := rows.Scan(&id, &kind); err != nil {
			t.Fatal(err)
		}
		if l, ok := leads[id]; ok {
			l.emails[kind] = true
		}
	}
	return leads, orphans
}

// checkEveryAckIsStored checks that every accepted submission is a lead
// with exactly one job per email, that every lead has its jobs, and that no
// job exists without its lead. It returns the leads by token.
func checkEveryAckIsStored(t *testing.T, dbURL string, acked map[string]string) map[string]*storedLead {
	t.Helper()
	leads, orphans := readLeadsAndJobs(t, dbURL)
	for _, o := range orphans {
		t.Errorf("an email job without its lead: %s", o)
	}
	byToken := map[string]*storedLead{}
	for _, l := range leads {
		byToken[l.token] = l
		for _, kind := range models.EmailKinds {
			if n := len(l.jobs[kind]); n != 1 {
				t.Errorf("lead %d has %d %s jobs (%v), want exactly 1", l.id, n, kind, l.jobs[kind])
			}
			if !l.emails[kind] {
				t.Errorf("lead %d has no %s delivery record", l.id, kind)
			}
		}
		if len(l.jobs) != len(models.EmailKinds) {
			t.Errorf("lead %d has jobs for %d kinds of email, want %d", l.id, len(l.jobs), len(models.EmailKinds))
		}
	}
	for key, token := range acked {
		l, ok := byToken[token]
		switch {
		case !ok:
			t.Errorf("submission %s was acknowledged (303 to /results/%s) but its lead is not in the database", key, token)
		case l.submissionKey != key:
			t.Errorf("submission %s led to lead %d, saved for submission %q", key, l.id, l.submissionKey)
		}
	}
	return byToken
}
