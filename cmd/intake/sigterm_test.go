package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models/modelstest"
)

// These tests send SIGTERM to the real binary while emails are being
// handed to a slow mail server (mail/mailtest answering DATA late) and a
// submission is still arriving.

// TestSIGTERMLetsEmailsInProgressFinish: the emails being sent when SIGTERM
// lands are delivered and recorded before the process exits, the request
// in flight completes, and after a restart every email has gone out once.
func TestSIGTERMLetsEmailsInProgressFinish(t *testing.T) {
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	smtp := mailtest.NewServer(t)
	smtp.SetDataDelay(3 * time.Second)
	addr := freeAddr(t)
	logs := &syncBuffer{}
	vars := append([]string{"DATABASE_URL=" + dbURL, "INTAKE_DATA_DIR=" + t.TempDir(), "SMTP_URL=" + smtp.URL()}, loadEnv...)
	p := startIntake(t, bin, addr, logs, vars...)

	first := submit(t, p.base, "Sent During Shutdown", "shutdown@example.com")
	finish := sendHalfASubmission(t, p.base, addr, 1)
	waitFor(t, "both emails in DATA at the mail server", 10*time.Second, func() bool { return smtp.DataAttempts() >= 2 })
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d emails already delivered before SIGTERM: the mail server's delay is too short for this machine", n)
	}
	termAt := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if res, err := finish(); err != nil {
		t.Errorf("the submission in flight got no answer: %v\n%s", err, tail(logs.String(), 30))
	} else if res.StatusCode != http.StatusSeeOther {
		t.Errorf("the submission in flight = %d, want 303", res.StatusCode)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 30))
	}
	stopped := time.Since(termAt)

	// Before any restart: the emails that were in DATA went out and the
	// lead says so.
	sentBefore := len(smtp.Messages())
	if sentBefore < 2 {
		t.Errorf("%d emails delivered by the time the process exited, want the 2 in progress at SIGTERM", sentBefore)
	}
	if n := unsentEmails(t, dbURL, strings.TrimPrefix(first, "/results/")); n != 0 {
		t.Errorf("%d of the first lead's emails not recorded as sent after shutdown", n)
	}

	// A restart sends whatever the submission in flight queued, and
	// nothing twice.
	smtp.SetDataDelay(0)
	p = startIntake(t, bin, addr, logs, vars...)
	waitFor(t, "every email recorded as sent", 20*time.Second, func() bool { return unsentEmails(t, dbURL, "") == 0 })
	time.Sleep(300 * time.Millisecond)
	checkDeliveredOnce(t, smtp, 4, 1)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Errorf("second exit: %v\n%s", err, tail(logs.String(), 30))
	}
	t.Logf("SIGTERM with 2 emails in DATA (server answering after 3s) and a submission half sent: process exited 0 after %v with %d emails delivered; all 4 delivered once after a restart",
		stopped.Round(time.Millisecond), sentBefore)
}

// TestSIGTERMReturnsUnfinishedEmailsToTheQueue: when sending takes longer
// than SHUTDOWN_TIMEOUT, the emails are cancelled and stay queued, and the
// next run delivers them.
func TestSIGTERMReturnsUnfinishedEmailsToTheQueue(t *testing.T) {
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	smtp := mailtest.NewServer(t)
	smtp.SetDataDelay(30 * time.Second)
	addr := freeAddr(t)
	logs := &syncBuffer{}
	vars := append([]string{"DATABASE_URL=" + dbURL, "INTAKE_DATA_DIR=" + t.TempDir(), "SMTP_URL=" + smtp.URL(), "SHUTDOWN_TIMEOUT=1s"}, loadEnv...)
	p := startIntake(t, bin, addr, logs, vars...)

	loc := submit(t, p.base, "Cut Short", "cut-short@example.com")
	token := strings.TrimPrefix(loc, "/results/")
	waitFor(t, "both emails in DATA at the mail server", 10*time.Second, func() bool { return smtp.DataAttempts() >= 2 })
	termAt := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := p.wait(t, 15*time.Second)
	stopped := time.Since(termAt)
	if err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 30))
	}
	// The mail server never answered: the sends were abandoned, not lost.
	smtp.Stop()
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d emails accepted while the server was holding DATA", n)
	}
	if n := unsentEmails(t, dbURL, token); n != 2 {
		t.Errorf("%d emails unsent after shutdown, want the 2 cut short", n)
	}
	states := jobStates(t, dbURL)
	for _, s := range states {
		if s == "running" {
			t.Errorf("jobs left running after shutdown (%v): they would wait for River's rescuer", states)
			break
		}
	}

	smtp.SetDataDelay(0)
	smtp.Start()
	restartAt := time.Now()
	p = startIntake(t, bin, addr, logs, vars...)
	waitFor(t, "the cut-short emails sent after a restart", 30*time.Second, func() bool { return unsentEmails(t, dbURL, token) == 0 })
	delivered := time.Since(restartAt)
	time.Sleep(300 * time.Millisecond)
	checkDeliveredOnce(t, smtp, 2, 1)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Errorf("second exit: %v\n%s", err, tail(logs.String(), 30))
	}
	t.Logf("SHUTDOWN_TIMEOUT=1s with 2 emails held in DATA: exited 0 after %v with jobs %v; delivered %v after the restart",
		stopped.Round(time.Millisecond), states, delivered.Round(time.Millisecond))
}

// sendHalfASubmission opens the form as visitor n, sends the request line,
// the headers and half the body, and returns a function that sends the rest
// and reads the answer.
func sendHalfASubmission(t *testing.T, base, addr string, n int) func() (*http.Response, error) {
	t.Helper()
	v, err := newVisitor(context.Background(), base, n)
	if err != nil {
		t.Fatal(err)
	}
	body := v.form.Encode()
	var cookies []string
	for _, c := range v.client.Jar.Cookies(mustURL(t, base)) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /diagnostic HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n%s",
		addr, len(body), strings.Join(cookies, "; "), body[:len(body)/2])
	time.Sleep(200 * time.Millisecond) // the server has read the headers
	return func() (*http.Response, error) {
		time.Sleep(300 * time.Millisecond) // SIGTERM has landed
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprint(conn, body[len(body)/2:]); err != nil {
			return nil, err
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			res.Body.Close()
		}
		return res, err
	}
}

// checkDeliveredOnce checks the mail server holds want distinct emails (by
// Message-ID), each delivered at least once and at most most times.
func checkDeliveredOnce(t *testing.T, smtp *mailtest.Server, want, most int) {
	t.Helper()
	copies := map[string]int{}
	for _, m := range smtp.Messages() {
		msg, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		copies[msg.Header.Get("Message-Id")]++
	}
	if len(copies) != want {
		t.Errorf("%d distinct emails delivered (%v), want %d", len(copies), copies, want)
	}
	for id, n := range copies {
		if n > most {
			t.Errorf("%s delivered %d times, want at most %d", id, n, most)
		}
	}
}

// unsentEmails counts the emails not recorded as sent, of the lead with
// token or of every lead when token is "".
func unsentEmails(t *testing.T, dbURL, token string) int {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM lead_emails e JOIN leads l ON l.id = e.lead_id
		WHERE e.sent_at IS NULL AND ($1 = '' OR l.token = $1)`, token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobStates lists the state of every email job.
func jobStates(t *testing.T, dbURL string) []string {
	t.Helper()
	return queryStrings(t, dbURL, `SELECT state FROM river_job WHERE kind = 'lead_email' ORDER BY id`)
}

// waitFor polls cond until it holds, or fails the test after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSIGTERMWithASilentConnectionExitsOnTime: a client's connection that
// never sends a request (a browser's spare connection) does not hold the
// stop past SHUTDOWN_TIMEOUT or turn it into a failure; net/http would
// count it as busy for 5 seconds.
func TestSIGTERMWithASilentConnectionExitsOnTime(t *testing.T) {
	bin := buildIntake(t)
	addr := freeAddr(t)
	logs := &syncBuffer{}
	p := startIntake(t, bin, addr, logs, "INTAKE_DATA_DIR="+t.TempDir(), "SHUTDOWN_TIMEOUT=1s")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(200 * time.Millisecond) // accepted by the server
	termAt := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = p.wait(t, 10*time.Second)
	stopped := time.Since(termAt)
	if err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 20))
	}
	if stopped > 3*time.Second {
		t.Errorf("stopped after %v with SHUTDOWN_TIMEOUT=1s", stopped)
	}
	if !strings.Contains(logs.String(), "connections still open after SHUTDOWN_TIMEOUT were closed") {
		t.Errorf("the log does not say a connection was cut:\n%s", tail(logs.String(), 20))
	}
}
