package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/models/modelstest"
)

// Fault tests run the real binary under a load of concurrent submissions
// and break things underneath it: the process killed outright, PostgreSQL
// stopped and started again. Whatever happens, a visitor told their answers
// were saved (a 303 to their result) has a lead in the database with
// exactly its two email jobs, and no email job exists without its lead.

// loadEnv switches off the form's defences against bots, which would
// otherwise take the load generator for one.
var loadEnv = []string{"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=0"}

func TestFaultSIGKILLUnderLoad(t *testing.T) {
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	addr := freeAddr(t)
	logs := &syncBuffer{}
	// Emails go to the outbox: sending them never holds up the test.
	vars := append([]string{"DATABASE_URL=" + dbURL, "INTAKE_DATA_DIR=" + t.TempDir()}, loadEnv...)
	p := startIntake(t, bin, addr, logs, vars...)

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill timing seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	load := startLoad(p.base, 4)
	const rounds = 3
	var downtime time.Duration
	for round := 1; round <= rounds; round++ {
		time.Sleep(800*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond))))
		_, acked, _ := load.results()
		p.kill(t)
		killedAt := time.Now()
		p = startIntake(t, bin, addr, logs, vars...)
		downtime += time.Since(killedAt)
		t.Logf("round %d: SIGKILL after %d acknowledged submissions; ready again in %v", round, len(acked), time.Since(killedAt).Round(time.Millisecond))
	}
	time.Sleep(1 * time.Second)
	load.stop(20 * time.Second)

	// The last run still stops cleanly.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 40))
	}

	outcomes, acked, problems := load.results()
	reportAll(t, problems)
	var dropped int
	for _, o := range outcomes {
		if o.status == 0 {
			dropped++
		}
	}
	if load.pending > 0 {
		t.Errorf("%d visitors never had their form accepted", load.pending)
	}
	if len(acked) < 20 {
		t.Fatalf("only %d submissions acknowledged: too little load to prove anything\n%s", len(acked), tail(logs.String(), 40))
	}
	byToken := checkEveryAckIsStored(t, dbURL, acked)
	// Visitors whose connection dropped sent their form again: each
	// submission still made exactly one lead, and every lead was
	// acknowledged to its visitor in the end.
	if len(byToken) != len(acked) {
		t.Errorf("%d leads for %d acknowledged submissions, want one each", len(byToken), len(acked))
	}
	// Jobs a kill caught mid-send stay "running" until River's rescuer
	// (RescueStuckJobsAfter) hands them out again; they are counted here,
	// not waited for.
	states := map[string]int{}
	for _, l := range byToken {
		for _, ss := range l.jobs {
			for _, s := range ss {
				states[s]++
			}
		}
	}
	t.Logf("%d submissions acknowledged and stored with 2 email jobs each, across %d SIGKILLs (%v down in all); %d POSTs lost their connection and were sent again; %d form loads failed while down; jobs by state %v",
		len(acked), rounds, downtime.Round(time.Millisecond), dropped, load.formErrs, states)
}

func TestFaultPostgresRestartMidLoad(t *testing.T) {
	pg := startPrivatePostgres(t)
	bin := buildIntake(t)
	addr := freeAddr(t)
	logs := &syncBuffer{}
	vars := append([]string{"DATABASE_URL=" + pg.URL(), "INTAKE_DATA_DIR=" + t.TempDir()}, loadEnv...)
	p := startIntake(t, bin, addr, logs, vars...)

	// Every 503 must be the form again with the visitor's answers and a
	// friendly message.
	var (
		mu      sync.Mutex
		bad503  []string
		n503    int
		n503ok  int
		slowest time.Duration
	)
	load := startLoad(p.base, 4)
	load.noteEvery = func(o outcome, body []byte, v *visitor) {
		mu.Lock()
		defer mu.Unlock()
		slowest = max(slowest, o.end.Sub(o.start))
		if o.status != http.StatusServiceUnavailable {
			return
		}
		n503++
		missing := v.keptAnswers(body)
		friendly := strings.Contains(string(body), `class="notice"`) && strings.Contains(string(body), "Nothing is lost")
		switch {
		case missing != "":
			bad503 = append(bad503, fmt.Sprintf("visitor %d: the 503 page lost %s", v.n, missing))
		case !friendly:
			bad503 = append(bad503, fmt.Sprintf("visitor %d: the 503 page has no friendly message: %s", v.n, snippet(body)))
		default:
			n503ok++
		}
	}

	time.Sleep(1500 * time.Millisecond)
	_, before, _ := load.results()
	pg.stop(t, "immediate")
	downAt := time.Now()
	// While PostgreSQL is down the app says it is not ready.
	waitStatus(t, p.base+"/readyz", http.StatusServiceUnavailable, 5*time.Second)
	time.Sleep(3 * time.Second)
	restartAt := time.Now()
	pg.start(t)
	upAt := time.Now()
	outage := upAt.Sub(downAt)

	var recovery time.Duration
	for deadline := upAt.Add(20 * time.Second); ; {
		if at, ok := load.firstAckAfter(upAt); ok {
			recovery = at.Sub(upAt)
			break
		}
		if time.Now().After(deadline) {
			load.stop(time.Second)
			t.Fatalf("no submission accepted within 20s of PostgreSQL coming back\n%s", tail(logs.String(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitStatus(t, p.base+"/readyz", http.StatusOK, 10*time.Second)
	time.Sleep(1500 * time.Millisecond)
	load.stop(15 * time.Second)
	select {
	case <-p.done:
		t.Fatalf("the app exited during the outage: %v\n%s", p.err, tail(logs.String(), 40))
	default:
	}

	outcomes, acked, problems := load.results()
	mu.Lock()
	problems = append(problems, bad503...)
	mu.Unlock()
	var duringOutage, afterUp int
	for _, o := range outcomes {
		switch {
		case o.status == 0:
			problems = append(problems, fmt.Sprintf("a submission got no answer after %v: %v", o.end.Sub(o.start).Round(time.Millisecond), o.err))
		case o.start.After(downAt) && o.end.Before(restartAt) && o.status != http.StatusServiceUnavailable:
			problems = append(problems, fmt.Sprintf("a submission sent while PostgreSQL was down got %d, want 503", o.status))
		}
		if o.start.After(downAt) && o.end.Before(restartAt) {
			duringOutage++
		}
		if o.status == http.StatusSeeOther && o.start.After(upAt) {
			afterUp++
		}
	}
	if duringOutage == 0 || n503 == 0 {
		t.Errorf("%d submissions during the outage, %d answered 503: the outage was not exercised", duringOutage, n503)
	}
	reportAll(t, problems)
	if afterUp < 5 {
		t.Errorf("only %d submissions accepted after PostgreSQL came back", afterUp)
	}
	if load.pending > 0 {
		t.Errorf("%d visitors never had their form accepted", load.pending)
	}
	byToken := checkEveryAckIsStored(t, pg.URL(), acked)
	if len(byToken) != len(acked) {
		t.Errorf("%d leads for %d acknowledged submissions, want one each", len(byToken), len(acked))
	}

	// The email workers recovered too: the emails of leads saved after
	// PostgreSQL came back are sent without restarting the app.
	waitEmailsSentSince(t, pg.URL(), upAt.Add(recovery), 20*time.Second)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 40))
	}
	t.Logf("%d submissions acknowledged before the outage, %d in all; PostgreSQL down %v; %d submissions during it, %d answered 503 with every answer kept; first submission accepted %v after PostgreSQL was back; slowest answer %v",
		len(before), len(acked), outage.Round(time.Millisecond), duringOutage, n503ok, recovery.Round(time.Millisecond), slowest.Round(time.Millisecond))
}

// reportAll fails the test with the first few problems and how many more.
func reportAll(t *testing.T, problems []string) {
	t.Helper()
	for i, p := range problems {
		if i == 5 {
			t.Errorf("… and %d more like these", len(problems)-i)
			return
		}
		t.Error(p)
	}
}

// waitStatus polls url until it answers want.
func waitStatus(t *testing.T, url string, want int, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	got := 0
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := client.Get(url)
		if err != nil {
			continue
		}
		res.Body.Close()
		if got = res.StatusCode; got == want {
			return
		}
	}
	t.Errorf("%s = %d for %v, want %d", url, got, timeout, want)
}

// waitEmailsSentSince waits until every email of the leads created since
// `since` is recorded as sent.
func waitEmailsSentSince(t *testing.T, dbURL string, since time.Time, timeout time.Duration) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total, unsent int
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE e.sent_at IS NULL)
			FROM lead_emails e JOIN leads l ON l.id = e.lead_id WHERE l.created_at >= $1`, since.UTC()).Scan(&total, &unsent)
		cancel()
		if err == nil && total > 0 && unsent == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d emails of leads saved after the outage still unsent after %v (%v)", unsent, total, timeout, err)
			return
		}
	}
}
