package mailtest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/stellapop/intake/mail/mailtest"
)

func newClient(t *testing.T, srv *mailtest.Server) *mail.Client {
	t.Helper()
	host, portStr, err := net.SplitHostPort(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mail.NewClient(host,
		mail.WithPort(port),
		mail.WithTLSPolicy(mail.NoTLS),
		mail.WithHELO("localhost"),
		mail.WithTimeout(5*time.Second),
	)
	if err != nil {
		t.Fatalf("mail.NewClient: %v", err)
	}
	return c
}

func newMsg(t *testing.T, subject string, to ...string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From("Portal <portal@example.org>"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to...); err != nil {
		t.Fatal(err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, "Hello from the portal.\r\n.leading dot line\r\n")
	return m
}

func send(t *testing.T, c *mail.Client, m *mail.Msg) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.DialAndSendWithContext(ctx, m)
}

func mustSendError(t *testing.T, err error) *mail.SendError {
	t.Helper()
	if err == nil {
		t.Fatal("send succeeded, want error")
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %q is not a *mail.SendError", err, err)
	}
	return se
}

func TestDelivery(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)

	if want := "smtp://" + srv.Addr() + "?tls=none"; srv.URL() != want {
		t.Errorf("URL() = %q, want %q", srv.URL(), want)
	}
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want 127.0.0.1:PORT", srv.Addr())
	}

	if err := send(t, c, newMsg(t, "Welcome", "alice@example.com", "Bob@Example.com")); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "portal@example.org" {
		t.Errorf("From = %q", m.From)
	}
	if got, want := strings.Join(m.To, ","), "alice@example.com,Bob@Example.com"; got != want {
		t.Errorf("To = %q, want %q", got, want)
	}
	pm, err := m.Parse()
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := pm.Header.Get("Subject"); got != "Welcome" {
		t.Errorf("Subject = %q", got)
	}
	if got := pm.Header.Get("From"); !strings.Contains(got, "portal@example.org") {
		t.Errorf("From header = %q", got)
	}
	if got := pm.Header.Get("To"); !strings.Contains(got, "alice@example.com") || !strings.Contains(got, "Bob@Example.com") {
		t.Errorf("To header = %q", got)
	}
	if !strings.Contains(string(m.Data), ".leading dot line") || strings.Contains(string(m.Data), "..leading") {
		t.Errorf("body not dot-unstuffed correctly:\n%s", m.Data)
	}
	if n := srv.DataAttempts(); n != 1 {
		t.Errorf("DataAttempts = %d, want 1", n)
	}

	// Messages returns a copy.
	msgs[0].To[0] = "mutated"
	if srv.Messages()[0].To[0] != "alice@example.com" {
		t.Error("Messages() does not return a copy")
	}
}

func TestFailNextDataTemporary(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	srv.FailNextData(1, 451, "try again later")

	err := send(t, c, newMsg(t, "first", "alice@example.com"))
	se := mustSendError(t, err)
	t.Logf("451 on DATA: err=%q SendError{Reason:%d(%v) IsTemp:%v ErrorCode:%d EnhancedStatusCode:%q}",
		err, se.Reason, se.Reason, se.IsTemp(), se.ErrorCode(), se.EnhancedStatusCode())
	if !se.IsTemp() || se.ErrorCode() != 451 {
		t.Errorf("IsTemp=%v ErrorCode=%d, want true 451", se.IsTemp(), se.ErrorCode())
	}
	if se.Reason != mail.ErrSMTPDataClose {
		t.Errorf("Reason = %v, want ErrSMTPDataClose", se.Reason)
	}
	if se.EnhancedStatusCode() != "4.3.0" {
		t.Errorf("EnhancedStatusCode = %q, want 4.3.0", se.EnhancedStatusCode())
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("failed message was recorded (%d messages)", n)
	}
	if n := srv.DataAttempts(); n != 1 {
		t.Errorf("DataAttempts = %d, want 1", n)
	}

	if err := send(t, c, newMsg(t, "second", "alice@example.com")); err != nil {
		t.Fatalf("second send: %v", err)
	}
	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	if pm, err := msgs[0].Parse(); err != nil || pm.Header.Get("Subject") != "second" {
		t.Errorf("accepted message: %v %v", pm, err)
	}
	if n := srv.DataAttempts(); n != 2 {
		t.Errorf("DataAttempts = %d, want 2", n)
	}
}

func TestFailNextDataPermanent(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	srv.FailNextData(2, 554, "rejected as spam")

	for i := range 2 {
		err := send(t, c, newMsg(t, "spam", "alice@example.com"))
		se := mustSendError(t, err)
		if i == 0 {
			t.Logf("554 on DATA: err=%q SendError{Reason:%d(%v) IsTemp:%v ErrorCode:%d EnhancedStatusCode:%q}",
				err, se.Reason, se.Reason, se.IsTemp(), se.ErrorCode(), se.EnhancedStatusCode())
		}
		if se.IsTemp() || se.ErrorCode() != 554 || se.Reason != mail.ErrSMTPDataClose {
			t.Errorf("attempt %d: IsTemp=%v ErrorCode=%d Reason=%v", i, se.IsTemp(), se.ErrorCode(), se.Reason)
		}
	}
	if err := send(t, c, newMsg(t, "ok", "alice@example.com")); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("got %d messages, want 1", n)
	}
	if n := srv.DataAttempts(); n != 3 {
		t.Errorf("DataAttempts = %d, want 3", n)
	}
}

func TestRejectRecipientPermanent(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	srv.RejectRecipient("Nobody@Example.com", 550, "no such user")

	err := send(t, c, newMsg(t, "hi", "nobody@example.COM"))
	se := mustSendError(t, err)
	t.Logf("550 on RCPT: err=%q SendError{Reason:%d(%v) IsTemp:%v ErrorCode:%d EnhancedStatusCode:%q}",
		err, se.Reason, se.Reason, se.IsTemp(), se.ErrorCode(), se.EnhancedStatusCode())
	if se.IsTemp() || se.ErrorCode() != 550 || se.Reason != mail.ErrSMTPRcptTo {
		t.Errorf("IsTemp=%v ErrorCode=%d Reason=%v, want false 550 ErrSMTPRcptTo", se.IsTemp(), se.ErrorCode(), se.Reason)
	}
	if se.EnhancedStatusCode() != "5.1.1" {
		t.Errorf("EnhancedStatusCode = %q, want 5.1.1", se.EnhancedStatusCode())
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("got %d messages, want 0", n)
	}
	if n := srv.DataAttempts(); n != 0 {
		t.Errorf("DataAttempts = %d, want 0 (DATA must not be sent)", n)
	}

	// go-mail does not send DATA if any recipient failed.
	err = send(t, c, newMsg(t, "mixed", "alice@example.com", "nobody@example.com"))
	se = mustSendError(t, err)
	if se.ErrorCode() != 550 {
		t.Errorf("mixed recipients: ErrorCode=%d", se.ErrorCode())
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("mixed recipients: got %d messages, want 0", n)
	}
}

func TestRejectRecipientTemporary(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	srv.RejectRecipient("busy@example.com", 450, "mailbox busy")

	err := send(t, c, newMsg(t, "hi", "busy@example.com"))
	se := mustSendError(t, err)
	t.Logf("450 on RCPT: err=%q SendError{Reason:%d(%v) IsTemp:%v ErrorCode:%d EnhancedStatusCode:%q}",
		err, se.Reason, se.Reason, se.IsTemp(), se.ErrorCode(), se.EnhancedStatusCode())
	if !se.IsTemp() || se.ErrorCode() != 450 || se.Reason != mail.ErrSMTPRcptTo {
		t.Errorf("IsTemp=%v ErrorCode=%d Reason=%v, want true 450 ErrSMTPRcptTo", se.IsTemp(), se.ErrorCode(), se.Reason)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("got %d messages, want 0", n)
	}
}

func TestStopStart(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	addr := srv.Addr()

	srv.Stop()
	srv.Stop() // idempotent

	err := send(t, c, newMsg(t, "down", "alice@example.com"))
	if err == nil {
		t.Fatal("send to stopped server succeeded")
	}
	var se *mail.SendError
	var opErr *net.OpError
	t.Logf("connection refused: err=%q type=%T errors.As(*mail.SendError)=%v errors.As(*net.OpError)=%v errors.Is(ECONNREFUSED)=%v",
		err, err, errors.As(err, &se), errors.As(err, &opErr), errors.Is(err, syscall.ECONNREFUSED))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("want ECONNREFUSED, got %v", err)
	}
	if errors.As(err, &se) {
		t.Errorf("dial failure unexpectedly wraps *mail.SendError: %v", se)
	}

	srv.Start()
	srv.Start() // idempotent
	if srv.Addr() != addr {
		t.Fatalf("Addr changed: %q -> %q", addr, srv.Addr())
	}
	if err := send(t, c, newMsg(t, "up again", "alice@example.com")); err != nil {
		t.Fatalf("send after Start: %v", err)
	}
	if msgs := srv.WaitForMessages(t, 1, 5*time.Second); len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}

	// A second cycle works too.
	srv.Stop()
	srv.Start()
	if err := send(t, c, newMsg(t, "third", "alice@example.com")); err != nil {
		t.Fatalf("send after second Start: %v", err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("got %d messages, want 2", n)
	}
}

func TestDataDelay(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	const d = 300 * time.Millisecond
	srv.SetDataDelay(d)

	start := time.Now()
	if err := send(t, c, newMsg(t, "slow", "alice@example.com")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if el := time.Since(start); el < d {
		t.Errorf("send took %v, want >= %v", el, d)
	}

	// A client whose timeout is shorter than the delay gives up.
	srv.SetDataDelay(2 * time.Second)
	host, portStr, _ := net.SplitHostPort(srv.Addr())
	port, _ := strconv.Atoi(portStr)
	impatient, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithHELO("localhost"), mail.WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = send(t, impatient, newMsg(t, "too slow", "alice@example.com"))
	if err == nil {
		t.Fatal("send with short timeout succeeded")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("want a net.Error timeout, got %v", err)
	}
	se := mustSendError(t, err)
	t.Logf("client timeout during DATA delay: err=%q SendError{Reason:%d(%v) IsTemp:%v ErrorCode:%d}",
		err, se.Reason, se.Reason, se.IsTemp(), se.ErrorCode())
	if se.Reason != mail.ErrSMTPDataClose || se.IsTemp() || se.ErrorCode() != 0 {
		t.Errorf("Reason=%v IsTemp=%v ErrorCode=%d, want ErrSMTPDataClose false 0", se.Reason, se.IsTemp(), se.ErrorCode())
	}
}

// fakeTB captures Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	fatal string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
}

func TestWaitForMessagesTimeout(t *testing.T) {
	srv := mailtest.NewServer(t)
	ftb := &fakeTB{}
	start := time.Now()
	got := srv.WaitForMessages(ftb, 1, 100*time.Millisecond)
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("returned after %v, before the timeout", el)
	}
	if got != nil {
		t.Errorf("got %v, want nil", got)
	}
	if !strings.Contains(ftb.fatal, "timed out") || !strings.Contains(ftb.fatal, "0 accepted") {
		t.Errorf("Fatalf message = %q", ftb.fatal)
	}
	t.Logf("timeout message: %s", ftb.fatal)
}

func TestWaitForMessagesConcurrent(t *testing.T) {
	srv := mailtest.NewServer(t)
	c := newClient(t, srv)
	const n = 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := mail.NewMsg()
			_ = m.From("portal@example.org")
			_ = m.To("user" + strconv.Itoa(i) + "@example.com")
			m.Subject("concurrent")
			m.SetBodyString(mail.TypeTextPlain, "hi")
			errs <- c.DialAndSendWithContext(context.Background(), m)
		}()
	}
	msgs := srv.WaitForMessages(t, n, 10*time.Second)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("send: %v", err)
		}
	}
	if len(msgs) < n {
		t.Fatalf("got %d messages, want %d", len(msgs), n)
	}
	if srv.DataAttempts() != n {
		t.Errorf("DataAttempts = %d, want %d", srv.DataAttempts(), n)
	}
}

func TestStopClosesOpenConnections(t *testing.T) {
	srv := mailtest.NewServer(t)
	conn, err := net.DialTimeout("tcp", srv.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "220 mailtest.local") {
		t.Fatalf("greeting: %q %v", buf[:n], err)
	}
	srv.Stop()
	if n, err := conn.Read(buf); err == nil {
		t.Fatalf("connection still open after Stop, read %q", buf[:n])
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), 2*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after Stop: %v, want connection refused", err)
	}
}
