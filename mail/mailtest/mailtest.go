// Package mailtest runs a real SMTP server in-process on 127.0.0.1 for tests
// of email delivery. Messages travel over the wire from any SMTP client
// (e.g. github.com/wneessen/go-mail); the server records what it accepted and
// can be told to fail DATA, reject recipients, delay answers, or go down and
// come back up on the same port.
package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string   // MAIL FROM (address without angle brackets; "" for the null sender)
	To   []string // every RCPT TO accepted, in order
	Data []byte   // the raw message as received (headers + body)
}

// Parse parses Data with net/mail and returns the message (headers and body
// reader). It never calls t.Fatal; parsing failures are returned.
func (m Message) Parse() (*mail.Message, error) {
	return mail.ReadMessage(bytes.NewReader(m.Data))
}

func (m Message) clone() Message {
	return Message{
		From: m.From,
		To:   append([]string(nil), m.To...),
		Data: append([]byte(nil), m.Data...),
	}
}

// Server is an in-process SMTP server listening on 127.0.0.1. All methods are
// safe for concurrent use.
type Server struct {
	tb   testing.TB
	addr string // fixed after the first listen; Start reuses it

	// lifecycle serialises Start and Stop.
	lifecycle sync.Mutex
	srv       *smtp.Server      // nil when stopped
	ln        *trackingListener // the current listener (owned by us, also closed by Stop)
	serveDone chan struct{}     // closed when the current Serve goroutine returns

	mu           sync.Mutex
	stopped      chan struct{} // closed by Stop; replaced by Start
	messages     []Message
	changed      chan struct{} // closed and replaced whenever a message is accepted
	failLeft     int
	failErr      *smtp.SMTPError
	rejects      map[string]*smtp.SMTPError
	dataAttempts int
	dataDelay    time.Duration
	sessions     int

	logMu     sync.Mutex
	logClosed bool
}

// NewServer starts a server on 127.0.0.1:0 (no TLS, no auth required,
// AllowInsecureAuth true) and stops it at t.Cleanup.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		tb:      t,
		changed: make(chan struct{}),
		rejects: make(map[string]*smtp.SMTPError),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen on 127.0.0.1:0: %v", err)
	}
	s.addr = l.Addr().String()
	s.lifecycle.Lock()
	s.serve(l)
	s.lifecycle.Unlock()
	t.Cleanup(func() {
		s.Stop()
		s.logMu.Lock()
		s.logClosed = true
		s.logMu.Unlock()
	})
	return s
}

// Addr returns the server's address as host:port (stable across Stop/Start).
func (s *Server) Addr() string { return s.addr }

// URL returns "smtp://127.0.0.1:PORT?tls=none".
func (s *Server) URL() string { return "smtp://" + s.addr + "?tls=none" }

// Messages returns a copy of all messages accepted so far, in acceptance order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copyMessagesLocked()
}

func (s *Server) copyMessagesLocked() []Message {
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// WaitForMessages blocks until at least n messages were accepted or timeout
// passes, and returns (a copy of) all accepted messages. On timeout it calls
// t.Fatalf, so call it from the test goroutine.
func (s *Server) WaitForMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	if !s.WaitForCount(t, n, timeout) {
		return nil
	}
	return s.Messages()
}

// WaitForCount is WaitForMessages without the copy, for benchmarks, where
// copying every message would be timed too. It reports whether n arrived.
func (s *Server) WaitForCount(t testing.TB, n int, timeout time.Duration) bool {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			s.mu.Unlock()
			return true
		}
		changed := s.changed
		s.mu.Unlock()

		select {
		case <-changed:
		case <-deadline.C:
			s.mu.Lock()
			got, attempts := len(s.messages), s.dataAttempts
			s.mu.Unlock()
			t.Fatalf("mailtest: timed out after %v waiting for %d message(s) on %s: %d accepted, %d DATA attempt(s) received",
				timeout, n, s.addr, got, attempts)
			return false
		}
	}
}

// Stop closes the listener and every open connection; clients then get
// "connection refused". Messages and settings are kept. Idempotent.
func (s *Server) Stop() {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.srv == nil {
		return
	}
	// Mark the generation stopped first so in-flight sessions can no longer
	// record messages (and delayed DATA answers are abandoned).
	s.mu.Lock()
	close(s.stopped)
	s.mu.Unlock()

	// srv.Close closes the open connections. It closes only the listeners
	// Serve has already registered, so close ours explicitly too: Stop may
	// run before the Serve goroutine got going.
	// Once Serve has returned nothing more is accepted, so closing every
	// connection the listener handed out also covers connections accepted
	// just before Close that go-smtp had not registered yet.
	_ = s.srv.Close()
	_ = s.ln.Close()
	<-s.serveDone
	s.ln.closeConns()
	s.srv, s.ln, s.serveDone = nil, nil, nil
}

// Start listens again on the same address after Stop, retrying for about 2s
// if the port is briefly busy. It is a no-op while running. If the address
// cannot be bound it calls t.Fatalf on the testing.TB given to NewServer, so
// call it from the test goroutine.
func (s *Server) Start() {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.srv != nil {
		return
	}
	var (
		l   net.Listener
		err error
	)
	for deadline := time.Now().Add(2 * time.Second); ; {
		l, err = net.Listen("tcp", s.addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.tb.Helper()
		s.tb.Fatalf("mailtest: restart on %s: %v", s.addr, err)
		return
	}
	s.serve(l)
}

// serve starts a fresh smtp.Server on l. s.lifecycle must be held.
// (A go-smtp Server cannot be reused after Close, so every start gets a new one.)
func (s *Server) serve(l net.Listener) {
	stopped := make(chan struct{})
	s.mu.Lock()
	s.stopped = stopped
	s.mu.Unlock()

	srv := smtp.NewServer(&backend{s: s, stopped: stopped})
	srv.Addr = s.addr
	srv.Domain = "mailtest.local"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.AllowInsecureAuth = true
	srv.ErrorLog = tbLogger{s}

	tl := &trackingListener{Listener: l, conns: make(map[*trackedConn]struct{})}
	done := make(chan struct{})
	s.srv, s.ln, s.serveDone = srv, tl, done
	go func() {
		defer close(done)
		_ = srv.Serve(tl)
	}()
}

// FailNextData makes the next n DATA commands answer, after the message has
// been fully read, with code (400–599, e.g. 451 or 554) and msg. Such messages
// are not recorded as accepted. The enhanced status code is 4.3.0 for 4xx and
// 5.6.0 for 5xx. n <= 0 clears a pending failure.
func (s *Server) FailNextData(n int, code int, msg string) {
	e := newSMTPError(code, msg, smtp.EnhancedCode{4, 3, 0}, smtp.EnhancedCode{5, 6, 0}, "Requested action aborted")
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.failLeft, s.failErr = 0, nil
		return
	}
	s.failLeft, s.failErr = n, e
}

// RejectRecipient makes RCPT TO for addr (case-insensitive) answer with code
// (400–599, e.g. 550, or 450 for a temporary failure) and msg. The enhanced
// status code is 4.2.1 for 4xx and 5.1.1 for 5xx.
func (s *Server) RejectRecipient(addr string, code int, msg string) {
	e := newSMTPError(code, msg, smtp.EnhancedCode{4, 2, 1}, smtp.EnhancedCode{5, 1, 1}, "Mailbox unavailable")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[normAddr(addr)] = e
}

// DataAttempts counts DATA commands received (whose message was handed to the
// backend), whether accepted or not.
func (s *Server) DataAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataAttempts
}

// Sessions is how many connections the server has accepted.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// SetDataDelay makes the server wait d after reading a message's DATA before
// answering. Zero disables the delay.
func (s *Server) SetDataDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

func newSMTPError(code int, msg string, temp, perm smtp.EnhancedCode, defMsg string) *smtp.SMTPError {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("mailtest: SMTP failure code must be 4xx or 5xx, got %d", code))
	}
	enh := perm
	if code < 500 {
		enh = temp
	}
	if msg == "" {
		msg = defMsg
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

func normAddr(a string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
}

// backend serves one start/stop generation of the server.
type backend struct {
	s       *Server
	stopped chan struct{}
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.sessions++
	b.s.mu.Unlock()
	return &session{b: b}, nil
}

type session struct {
	b    *backend
	from string
	to   []string
}

var _ smtp.Session = (*session)(nil)

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.b.s
	s.mu.Lock()
	rej := s.rejects[normAddr(to)]
	s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	s := ss.b.s
	s.mu.Lock()
	s.dataAttempts++
	s.mu.Unlock()

	data, err := io.ReadAll(r)
	if err != nil {
		// e.g. go-smtp's 552 "Maximum message size exceeded".
		return err
	}

	s.mu.Lock()
	var fail *smtp.SMTPError
	if s.failLeft > 0 {
		s.failLeft--
		fail = s.failErr
	}
	delay := s.dataDelay
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ss.b.stopped:
			t.Stop()
			return errStopped
		}
	}
	if fail != nil {
		return fail
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-ss.b.stopped:
		return errStopped
	default:
	}
	s.messages = append(s.messages, Message{
		From: ss.from,
		To:   append([]string(nil), ss.to...),
		Data: data,
	})
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

var errStopped = &smtp.SMTPError{
	Code:         421,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "mailtest server stopped",
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// tbLogger routes go-smtp's internal error log to t.Logf until the test's
// cleanup has run (logging after a test finishes would panic).
type tbLogger struct{ s *Server }

func (l tbLogger) Printf(format string, v ...any) {
	l.log(fmt.Sprintf(format, v...))
}

func (l tbLogger) Println(v ...any) {
	l.log(strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (l tbLogger) log(msg string) {
	l.s.logMu.Lock()
	defer l.s.logMu.Unlock()
	if l.s.logClosed {
		return
	}
	l.s.tb.Logf("mailtest: smtp server: %s", msg)
}

// trackingListener remembers the connections it accepted so Stop can close
// all of them.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
