package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	netmail "net/mail"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// The several-instances tests run the reference deployment (deploy/) in
// miniature: two `intake serve` that only queue emails and one
// `intake worker` that sends them, on one PostgreSQL database, behind a
// round-robin proxy that tells the instances which address each visitor
// comes from, as nginx does, with a real SMTP server catching the mail.
// Whatever an instance holds only for itself (a rate limit, a session, a
// count, a migration, a daily job) shows up here as a number that is off.

const (
	// clientHeader tells the test's proxy which address a request comes
	// from; the proxy drops it and sends the address as X-Forwarded-For.
	clientHeader = "X-Test-Client"
	// deploymentSecret is the INTAKE_SECRET every process shares.
	deploymentSecret = "one secret shared by every process of the deployment"
	teamAddress      = "team@stellapop.example"
	adminEmail       = "ada@stellapop.example"
	adminPassword    = "correct horse battery staple"
	// formDelay is SUBMIT_MIN_SECONDS here: the form's stamp is checked,
	// so a form served by one instance must pass on the other.
	formDelay = 1
)

// deployment is two serve instances, a worker and the proxy in front.
type deployment struct {
	bin    string
	dbURL  string
	smtp   *mailtest.Server
	serve  [2]*intakeProc
	addrs  [2]string
	logs   [2]*syncBuffer
	vars   [2][]string
	worker *intakeProc
	// workerLogs are the worker's, which migrates at start too.
	workerLogs *syncBuffer
	proxy      *roundRobin
}

// startDeployment starts both serve instances and the worker at the same
// moment on dbURL and waits until all three are ready.
func startDeployment(t *testing.T, dbURL string, extra ...string) *deployment {
	t.Helper()
	d := &deployment{bin: buildIntake(t), dbURL: dbURL, smtp: mailtest.NewServer(t)}
	common := []string{"DATABASE_URL=" + dbURL, "INTAKE_SECRET=" + deploymentSecret, "SMTP_URL=" + d.smtp.URL(),
		"TEAM_EMAIL=" + teamAddress, "TRUSTED_PROXIES=127.0.0.1/32", "SUBMIT_MIN_SECONDS=" + strconv.Itoa(formDelay),
		"SUBMIT_RATE_LIMIT=10"}
	common = append(common, extra...)
	for i := range d.serve {
		d.addrs[i], d.logs[i] = freeAddr(t), &syncBuffer{}
		d.vars[i] = append([]string{"INTAKE_DATA_DIR=" + t.TempDir(), "MAIL_WORKERS=0"}, common...)
	}
	workerLogs := &syncBuffer{}
	d.workerLogs = workerLogs
	workerVars := append([]string{"INTAKE_DATA_DIR=" + t.TempDir()}, common...)

	// Started within a few milliseconds of each other, long before any
	// has finished migrating.
	for i := range d.serve {
		d.serve[i] = spawnIntake(t, d.bin, "serve", d.addrs[i], d.logs[i], d.vars[i]...)
	}
	d.worker = spawnIntake(t, d.bin, "worker", freeAddr(t), workerLogs, workerVars...)
	for i, p := range d.serve {
		waitReadyOrExit(t, p, fmt.Sprintf("serve instance %d", i+1))
	}
	waitFor(t, "the worker to start sending", 15*time.Second, func() bool {
		return strings.Contains(workerLogs.String(), "sending queued emails")
	})
	d.proxy = startRoundRobin(t, d.serve[0].base, d.serve[1].base)
	return d
}

// waitReadyOrExit waits for /readyz, failing at once with the logs if the
// process exits first.
func waitReadyOrExit(t *testing.T, p *intakeProc, name string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was ready: %v\n%s", name, p.err, tail(p.logs.String(), 30))
		default:
		}
		if res, err := http.Get(p.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s never became ready\n%s", name, tail(p.logs.String(), 30))
}

// roundRobin is the proxy: it sends requests to the instances in turn and
// counts, per client address, how many went to each.
type roundRobin struct {
	*httptest.Server
	next   atomic.Uint64
	mu     sync.Mutex
	served map[string][2]int
}

func startRoundRobin(t *testing.T, bases ...string) *roundRobin {
	t.Helper()
	rr := &roundRobin{served: map[string][2]int{}}
	targets := make([]*url.URL, len(bases))
	for i, b := range bases {
		targets[i] = mustURL(t, b)
	}
	proxy := &httputil.ReverseProxy{
		// Rewrite starts from a request without any X-Forwarded-For: only
		// the address the test chose reaches the instance.
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int((rr.next.Add(1) - 1) % uint64(len(targets)))
			r.SetURL(targets[i])
			client := r.In.Header.Get(clientHeader)
			r.Out.Header.Del(clientHeader)
			if client != "" {
				r.Out.Header.Set("X-Forwarded-For", client)
			}
			rr.mu.Lock()
			n := rr.served[client]
			n[i]++
			rr.served[client] = n
			rr.mu.Unlock()
		},
		// An instance that is down: the visitor sees a 502, as from nginx.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	// Like nginx (proxy_request_buffering on), the proxy reads a request's
	// whole body before it forwards the request. Streaming it instead races
	// in Go's HTTP/1 server: once the proxy starts writing an instance's
	// answer, the server closes the body the transport may still be
	// reading to its end, and the transport then drops the connection
	// mid-answer (golang/go#40747).
	rr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rr.Close)
	return rr
}

// servedTo is how many of client's requests went to each instance.
func (rr *roundRobin) servedTo(client string) [2]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.served[client]
}

// from sends each request as coming from its address, through the proxy.
type from string

func (a from) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(clientHeader, string(a))
	return http.DefaultTransport.RoundTrip(r)
}

// clientAddr is visitor n's address in part of the test: one address each.
func clientAddr(part, n int) string {
	return fmt.Sprintf("10.%d.%d.%d", part, n/250%250, n%250+1)
}

// openForms opens the forms of visitors first to first+count-1 through the
// proxy, each from the address addr gives it, and waits until they may be
// sent without looking automated.
func openForms(t *testing.T, base string, first, count int, addr func(n int) string) []*visitor {
	t.Helper()
	visitors := make([]*visitor, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range visitors {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			n := first + i
			visitors[i], errs[i] = newVisitorVia(context.Background(), base, n, from(addr(n)))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("visitor %d: open the form: %v", first+i, err)
		}
	}
	time.Sleep(formDelay*time.Second + 100*time.Millisecond)
	return visitors
}

// post sends the visitor's form once and returns the answer, its body read.
func post(v *visitor) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, v.base+"/diagnostic", strings.NewReader(v.form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, err
}

// roomInMinute waits for the next clock minute when less than need is left
// of this one: rate limits count per clock minute, so a run across the
// turn of a minute would be allowed twice the limit.
func roomInMinute(need time.Duration) {
	now := time.Now()
	if left := now.Truncate(time.Minute).Add(time.Minute).Sub(now); left < need {
		time.Sleep(left + 200*time.Millisecond)
	}
}

// deliveries counts the emails the mail server accepted, per prospect's
// address and kind: the summary goes to the prospect, the team's
// notification replies to them.
func deliveries(t *testing.T, smtp *mailtest.Server) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	for _, m := range smtp.Messages() {
		msg, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		kind, prospect := models.EmailProspectSummary, ""
		if len(m.To) == 1 && strings.EqualFold(m.To[0], teamAddress) {
			kind = models.EmailTeamNotification
			if a, err := netmail.ParseAddress(msg.Header.Get("Reply-To")); err == nil {
				prospect = a.Address
			}
		} else if len(m.To) == 1 {
			prospect = m.To[0]
		}
		prospect = strings.ToLower(prospect)
		if out[prospect] == nil {
			out[prospect] = map[string]int{}
		}
		out[prospect][kind]++
	}
	return out
}

// checkEmailsOnce waits until every address in emails has both its
// emails, then checks that each came exactly once.
func checkEmailsOnce(t *testing.T, smtp *mailtest.Server, emails []string) {
	t.Helper()
	missing := func() []string {
		got := deliveries(t, smtp)
		var out []string
		for _, e := range emails {
			for _, kind := range models.EmailKinds {
				if got[strings.ToLower(e)][kind] == 0 {
					out = append(out, e+" "+kind)
				}
			}
		}
		return out
	}
	for deadline := time.Now().Add(45 * time.Second); len(missing()) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			m := missing()
			t.Fatalf("%d emails never arrived, such as %v", len(m), m[:min(len(m), 5)])
		}
	}
	time.Sleep(500 * time.Millisecond) // a second copy would be on its way by now
	got := deliveries(t, smtp)
	for _, e := range emails {
		for _, kind := range models.EmailKinds {
			if n := got[strings.ToLower(e)][kind]; n != 1 {
				t.Errorf("%s: %s delivered %d times, want once", e, kind, n)
			}
		}
	}
}

// queryInt runs a query that returns one number.
func queryInt(t *testing.T, dbURL, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// addAdmin creates the workspace's admin with `intake user add`.
func addAdmin(t *testing.T, bin, dbURL string) {
	t.Helper()
	cmd := exec.Command(bin, "user", "add", adminEmail, "--role", "admin")
	cmd.Env = append(cmd.Environ(), "DATABASE_URL="+dbURL, "INTAKE_SECRET="+deploymentSecret, "INTAKE_DATA_DIR="+t.TempDir())
	cmd.Stdin = strings.NewReader(adminPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("intake user add: %v\n%s", err, out)
	}
}

func TestInstancesShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three processes of the binary")
	}
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	d := startDeployment(t, dbURL)

	t.Run("starting at once on an empty database migrates once", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(repoRoot(t), "models", "migrations", models.Postgres, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations found: %v", err)
		}
		rows := queryInt(t, dbURL, "SELECT count(*) FROM schema_migrations")
		versions := queryInt(t, dbURL, "SELECT count(DISTINCT version) FROM schema_migrations")
		if rows != len(files) || versions != len(files) {
			t.Errorf("schema_migrations holds %d rows of %d versions, want each of the %d migrations once", rows, versions, len(files))
		}
		applied := 0
		for _, logs := range []*syncBuffer{d.logs[0], d.logs[1], d.workerLogs} {
			applied += strings.Count(logs.String(), "applied migration")
		}
		if applied != len(files) {
			t.Errorf("the three processes logged %d migrations applied between them, want %d", applied, len(files))
		}
		if n := queryInt(t, dbURL, "SELECT count(*) FROM river_migration"); n == 0 {
			t.Error("the email queue's migrations did not run")
		}
	})

	// Only now: the empty database above was the point of that part.
	addAdmin(t, d.bin, dbURL)

	t.Run("100 submissions make 100 leads and 200 emails", func(t *testing.T) {
		const n = 100
		visitors := openForms(t, d.proxy.URL, 1, n, func(n int) string { return clientAddr(1, n) })
		statuses := make([]int, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i, v := range visitors {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if res, err := post(v); err == nil {
					statuses[i] = res.StatusCode
				}
			})
		}
		wg.Wait()
		var emails []string
		for i, v := range visitors {
			if statuses[i] != http.StatusSeeOther {
				t.Errorf("visitor %d: POST /diagnostic = %d, want 303", v.n, statuses[i])
			}
			emails = append(emails, v.form.Get("email"))
		}
		if got := d.proxy.servedTo(clientAddr(1, 1)); got[0] == 0 && got[1] == 0 {
			t.Error("the proxy never saw the client address the visitor was given")
		}
		if leads := queryInt(t, dbURL, "SELECT count(*) FROM leads"); leads != n {
			t.Errorf("%d leads in the database, want %d", leads, n)
		}
		if q := queryInt(t, dbURL, "SELECT count(*) FROM quarantined_submissions"); q != 0 {
			t.Errorf("%d submissions quarantined: a form served by one instance was doubted by the other", q)
		}
		checkEmailsOnce(t, d.smtp, emails)
		if got := len(d.smtp.Messages()); got != 2*n {
			t.Errorf("the mail server received %d emails, want %d", got, 2*n)
		}
	})

	t.Run("a session opened on one instance works on the other until signed out", func(t *testing.T) {
		one, two := d.serve[0].base, d.serve[1].base
		c := signInClient(t, one, adminEmail, adminPassword)
		for _, base := range []string{one, two} {
			if status, _ := getAdmin(t, c, base, ""); status != http.StatusOK {
				t.Errorf("GET %s/admin after signing in on instance 1 = %d, want 200", base, status)
			}
		}
		var session string
		for _, ck := range c.Jar.Cookies(mustURL(t, one+"/admin")) {
			if ck.Name == "intake_session" {
				session = ck.Value
			}
		}
		if session == "" {
			t.Fatal("no session cookie after signing in")
		}
		_, csrf := openForm(t, c, two+"/admin")
		res, err := c.PostForm(two+"/admin/logout", url.Values{"_csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out on instance 2 = %d, want 303", res.StatusCode)
		}
		// The same cookie, sent again as someone who kept it would.
		for _, base := range []string{one, two} {
			status, loc := getAdmin(t, formClient(), base, session)
			if status == http.StatusOK || !strings.HasPrefix(loc, "/admin/login") {
				t.Errorf("GET %s/admin with the signed-out session = %d to %q, want a redirect to sign in", base, status, loc)
			}
		}
	})

	t.Run("limits", func(t *testing.T) {
		t.Run("25 submissions from one address in a minute: 10 accepted", func(t *testing.T) {
			t.Parallel()
			const sent, limit = 25, 10
			addr := clientAddr(3, 1)
			roomInMinute(15 * time.Second)
			visitors := openForms(t, d.proxy.URL, 3001, sent, func(int) string { return addr })
			before := d.proxy.servedTo(addr)
			accepted, refused := 0, 0
			for _, v := range visitors {
				res, err := post(v)
				if err != nil {
					t.Fatal(err)
				}
				switch res.StatusCode {
				case http.StatusSeeOther:
					accepted++
				case http.StatusTooManyRequests:
					refused++
					if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
						t.Errorf("a 429 with Retry-After %q, want 1 to 60 seconds", res.Header.Get("Retry-After"))
					}
				default:
					t.Errorf("visitor %d: POST /diagnostic = %d, want 303 or 429", v.n, res.StatusCode)
				}
			}
			after := d.proxy.servedTo(addr)
			if after[0] == before[0] || after[1] == before[1] {
				t.Fatalf("the submissions did not reach both instances (%v before, %v after)", before, after)
			}
			if accepted != limit || refused != sent-limit {
				t.Errorf("%d accepted and %d refused with 429, want %d and %d: the limit is not shared by the instances", accepted, refused, limit, sent-limit)
			}
		})

		t.Run("12 wrong passwords from one address do not lock the account out", func(t *testing.T) {
			t.Parallel()
			const tries = 12
			attacker, owner := clientAddr(4, 1), clientAddr(4, 2)
			// Each failure past the third is slowed down, up to 4 s.
			roomInMinute(30 * time.Second)
			var statuses []int
			for range tries {
				statuses = append(statuses, signInVia(t, d.proxy.URL, attacker, "not the password at all"))
			}
			// Ten failures fill the minute's allowance; then the address is
			// refused, whichever instance it reaches.
			for i, s := range statuses {
				want := http.StatusUnauthorized
				if i >= 10 {
					want = http.StatusTooManyRequests
				}
				if s != want {
					t.Errorf("wrong password %d = %d, want %d (all: %v)", i+1, s, want, statuses)
					break
				}
			}
			if got := d.proxy.servedTo(attacker); got[0] == 0 || got[1] == 0 {
				t.Errorf("the attempts did not reach both instances: %v", got)
			}
			if s := signInVia(t, d.proxy.URL, attacker, adminPassword); s != http.StatusTooManyRequests {
				t.Errorf("the right password from the refused address = %d, want 429", s)
			}
			if s := signInVia(t, d.proxy.URL, owner, adminPassword); s != http.StatusSeeOther {
				t.Errorf("the right password from another address = %d, want 303 (signed in)", s)
			}
		})
	})

	t.Run("SIGKILL of one instance loses no acknowledged submission", func(t *testing.T) {
		load := startProxyLoad(d.proxy.URL, 6)
		time.Sleep(2500 * time.Millisecond)
		d.serve[0].kill(t)
		killedAt := time.Now()
		time.Sleep(3 * time.Second)
		load.stop(20 * time.Second)

		reportAll(t, load.problems)
		if load.pending > 0 {
			t.Errorf("%d visitors never had their form accepted", load.pending)
		}
		if len(load.acked) < 10 {
			t.Fatalf("only %d submissions acknowledged: too little load to prove anything", len(load.acked))
		}
		var afterKill int
		for _, at := range load.ackedAt {
			if at.After(killedAt) {
				afterKill++
			}
		}
		if afterKill < 3 {
			t.Errorf("%d submissions acknowledged after instance 1 was killed: instance 2 stopped serving", afterKill)
		}
		select {
		case <-d.serve[1].done:
			t.Fatalf("instance 2 exited: %v", d.serve[1].err)
		default:
		}
		byToken := checkEveryAckIsStored(t, dbURL, load.acked)
		var emails []string
		for key := range load.acked {
			emails = append(emails, load.email[key])
		}
		checkEmailsOnce(t, d.smtp, emails)
		t.Logf("%d submissions acknowledged (%d after the SIGKILL), %d leads in all, %d answers from the dead instance resent",
			len(load.acked), afterKill, len(byToken), load.resent)

		// Every lead of the whole run has had its two emails, once each.
		checkEmailsOnce(t, d.smtp, leadEmails(t, dbURL))
		if got := len(d.smtp.Messages()); got != 2*len(byToken) {
			t.Errorf("the mail server received %d emails for %d leads, want two each", got, len(byToken))
		}
	})
	// Instance 1 comes back, for the funnel's counts from both.
	d.serve[0].kill(t) // already gone, unless the part above stopped early
	d.serve[0] = startIntake(t, d.bin, d.addrs[0], d.logs[0], d.vars[0]...)

	t.Run("funnel counts from both instances add up", func(t *testing.T) {
		const views = 15
		for _, p := range d.serve {
			for range views {
				res, err := http.Get(p.base + handlers.ArticlePath)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", handlers.ArticlePath, res.StatusCode)
				}
			}
		}
		for _, p := range []*intakeProc{d.serve[0], d.serve[1], d.worker} {
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []*intakeProc{d.serve[0], d.serve[1], d.worker} {
			if err := p.wait(t, 20*time.Second); err != nil {
				t.Errorf("exit after SIGTERM: %v, want 0\n%s", err, tail(p.logs.String(), 20))
			}
		}
		got := queryInt(t, dbURL, "SELECT COALESCE(SUM(count), 0) FROM daily_counts WHERE metric = $1", models.MetricArticleViews)
		if got != 2*views {
			t.Errorf("%d article views counted, want %d: %d through each instance", got, 2*views, views)
		}
	})
}

// getAdmin GETs /admin with c, adding the session cookie when one is
// given, and returns the status and Location.
func getAdmin(t *testing.T, c *http.Client, base, session string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "intake_session", Value: session})
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// signInVia opens the sign-in form and signs in as the admin with password
// through the proxy from addr, and returns the answer's status.
func signInVia(t *testing.T, base, addr, password string) int {
	t.Helper()
	c := formClient()
	c.Transport = from(addr)
	_, csrf := openForm(t, c, base+"/admin/login")
	res, err := c.PostForm(base+"/admin/login", url.Values{"_csrf": {csrf}, "email": {adminEmail}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// leadEmails is every lead's address.
func leadEmails(t *testing.T, dbURL string) []string {
	t.Helper()
	return queryStrings(t, dbURL, "SELECT email FROM leads")
}

// queryStrings is the one text column of every row query returns.
func queryStrings(t *testing.T, dbURL, query string) []string {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// proxyLoad is visitors, each from an address of its own, sending the
// diagnostic through the proxy. A visitor answered 502 (the instance is
// down) or not at all sends the same form again, as a person would, until
// it is accepted.
type proxyLoad struct {
	acked    map[string]string    // submission key → result token, for every 303
	ackedAt  map[string]time.Time // submission key → when the 303 came back
	email    map[string]string    // submission key → the visitor's address
	problems []string
	pending  int // visitors abandoned before their form was accepted
	resent   int

	mu   sync.Mutex
	next atomic.Int64
	visitors
}

func startProxyLoad(base string, workers int) *proxyLoad {
	l := &proxyLoad{acked: map[string]string{}, ackedAt: map[string]time.Time{}, email: map[string]string{}}
	l.next.Store(6000)
	l.start(workers, func(ctx context.Context) { l.visit(ctx, base) })
	return l
}

func (l *proxyLoad) visit(ctx context.Context, base string) {
	n := int(l.next.Add(1))
	v, err := newVisitorVia(ctx, base, n, from(clientAddr(6, n)))
	if err != nil {
		sleepCtx(ctx, 50*time.Millisecond)
		return
	}
	sleepCtx(ctx, formDelay*time.Second+100*time.Millisecond)
	for {
		o, loc, body := v.send(ctx)
		l.mu.Lock()
		switch o.status {
		case http.StatusSeeOther:
			token, ok := strings.CutPrefix(loc, "/results/")
			if !ok {
				l.problems = append(l.problems, fmt.Sprintf("visitor %d: 303 to %q, want /results/<token>", n, loc))
			}
			l.acked[v.key], l.ackedAt[v.key], l.email[v.key] = token, o.end, v.form.Get("email")
		case 0, http.StatusBadGateway:
			l.resent++
		default:
			l.problems = append(l.problems, fmt.Sprintf("visitor %d: POST /diagnostic = %d: %s", n, o.status, snippet(body)))
		}
		l.mu.Unlock()
		if o.status != 0 && o.status != http.StatusBadGateway {
			return
		}
		if ctx.Err() != nil {
			l.mu.Lock()
			l.pending++
			l.mu.Unlock()
			return
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

// TestInstancesRunDailyJobOnce: the daily upkeep (retention and the
// quarantine purge) is one River periodic job run by the elected leader,
// not a loop in every instance.
// With two serve instances and a worker started at once, all three
// working jobs (so any could lead), one upkeep job runs and completes,
// and it anonymises a lead kept too long.
func TestInstancesRunDailyJobOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three processes of the binary")
	}
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(migrate.Environ(), "DATABASE_URL="+dbURL, "INTAKE_SECRET="+deploymentSecret, "INTAKE_DATA_DIR="+t.TempDir())
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("intake migrate: %v\n%s", err, out)
	}
	store, err := models.Open(context.Background(), dbURL, t.TempDir(), models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := agedLead(t, store, "Ancient", 400*24*time.Hour)
	store.Close()

	startDeployment(t, dbURL, "RETENTION_DAYS=365", "MAIL_WORKERS=2")
	const done = "SELECT count(*) FROM river_job WHERE kind = 'daily_upkeep' AND state = 'completed'"
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if queryInt(t, dbURL, done) > 0 {
			break
		}
	}
	// Time for another instance to run it again, if it would.
	time.Sleep(3 * time.Second)
	jobs := queryInt(t, dbURL, "SELECT count(*) FROM river_job WHERE kind = 'daily_upkeep'")
	completed := queryInt(t, dbURL, done)
	if jobs != 1 || completed != 1 {
		t.Errorf("%d daily upkeep jobs, %d of them completed, want exactly 1, completed", jobs, completed)
	}
	if n := queryInt(t, dbURL, "SELECT count(*) FROM leads WHERE id = $1 AND erased_at IS NOT NULL", old.ID); n != 1 {
		t.Errorf("the lead created 400 days ago was not anonymised (RETENTION_DAYS=365)")
	}
}
