package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Transport delivers one composed message.
type Transport interface {
	Send(ctx context.Context, msg *gomail.Msg, name string) error
}

// SMTPTransport sends through a mail server, keeping connections open
// between messages (as many as it was told, each idle at most maxIdleTime)
// so that each email does not pay for a new connection, TLS handshake and
// sign-in.
type SMTPTransport struct {
	settings SMTP
	timeout  time.Duration
	client   *gomail.Client
	idle     chan idleConn
}

// idleConn is an open connection waiting for the next message.
type idleConn struct {
	conn  *smtp.Client
	since time.Time
}

const (
	// defaultIdleConns is how many connections are kept when the caller
	// does not say: as many as MAIL_WORKERS' default sends at once, and
	// then some.
	defaultIdleConns = 16
	// maxIdleTime stays well below the idle timeouts of mail servers (a
	// minute or more), which close connections nobody uses.
	maxIdleTime = 5 * time.Second
)

// NewSMTPTransport checks the settings by building a client once. It
// keeps up to keepIdle connections open between messages (at least 16):
// as many as are sent at once (MAIL_WORKERS), so that after a burst none
// is closed only to be dialled again for the next.
func NewSMTPTransport(s SMTP, keepIdle int) (*SMTPTransport, error) {
	t := &SMTPTransport{settings: s, timeout: 30 * time.Second, idle: make(chan idleConn, max(keepIdle, defaultIdleConns))}
	opts := append(t.settings.clientOptions(), gomail.WithTimeout(t.timeout))
	c, err := gomail.NewClient(t.settings.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	t.client = c
	return t, nil
}

// Send delivers the message on an open connection, or a new one. It
// returns when ctx is cancelled even mid-conversation, which go-mail does
// not do by itself after dialling: the abandoned conversation ends within
// the timeout, and its connection is closed.
func (t *SMTPTransport) Send(ctx context.Context, msg *gomail.Msg, _ string) error {
	done := make(chan error, 1)
	abandoned := make(chan struct{})
	go func() { done <- t.send(ctx, msg, abandoned) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		close(abandoned)
		return ctx.Err()
	}
}

func (t *SMTPTransport) send(ctx context.Context, msg *gomail.Msg, abandoned <-chan struct{}) error {
	conn, reused := t.take()
	if conn == nil {
		var err error
		if conn, err = t.client.DialToSMTPClientWithContext(ctx); err != nil {
			return fmt.Errorf("dial failed: %w", err)
		}
	}
	err := t.client.SendWithSMTPClient(conn, msg)
	var se *gomail.SendError
	if err != nil && reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
		// The server closed the connection while it was idle (go-mail
		// checks it with NOOP before sending anything): nothing was sent,
		// so send it on a new one.
		_ = conn.Close()
		if conn, err = t.client.DialToSMTPClientWithContext(ctx); err != nil {
			return fmt.Errorf("dial failed: %w", err)
		}
		err = t.client.SendWithSMTPClient(conn, msg)
	}
	if err != nil && msg.IsDelivered() {
		// Accepted, then the reset that readies the connection for the next
		// message failed: the email is sent, the connection is not reused.
		_ = conn.Close()
		return nil
	}
	if err != nil {
		_ = t.client.CloseWithSMTPClient(conn)
		return err
	}
	select {
	case <-abandoned:
		_ = t.client.CloseWithSMTPClient(conn)
	default:
		t.put(conn)
	}
	return nil
}

// take returns an open connection that has not been idle too long, or nil.
func (t *SMTPTransport) take() (*smtp.Client, bool) {
	for {
		select {
		case ic := <-t.idle:
			if time.Since(ic.since) < maxIdleTime {
				return ic.conn, true
			}
			_ = t.client.CloseWithSMTPClient(ic.conn)
		default:
			return nil, false
		}
	}
}

// put keeps an open connection for the next message, or closes it when
// enough are kept.
func (t *SMTPTransport) put(conn *smtp.Client) {
	select {
	case t.idle <- idleConn{conn, time.Now()}:
	default:
		_ = t.client.CloseWithSMTPClient(conn)
	}
}

// Close ends the connections kept open.
func (t *SMTPTransport) Close() error {
	for {
		select {
		case ic := <-t.idle:
			_ = t.client.CloseWithSMTPClient(ic.conn)
		default:
			return nil
		}
	}
}

// OutboxTransport writes each message as a complete .eml file, for a first
// run without a mail server: the real emails, ready to open in a mail client.
type OutboxTransport struct {
	dir string
	log *slog.Logger
}

// NewOutboxTransport creates the outbox directory.
func NewOutboxTransport(dir string, log *slog.Logger) (*OutboxTransport, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create outbox %s: %w", dir, err)
	}
	return &OutboxTransport{dir: dir, log: log}, nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Send writes the message to name.eml, replacing a file of the same name, so
// a retried email never leaves two copies.
func (t *OutboxTransport) Send(_ context.Context, msg *gomail.Msg, name string) error {
	path := filepath.Join(t.dir, unsafeFileChars.ReplaceAllString(name, "-")+".eml")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("write outbox: %w", err)
	}
	if _, err := msg.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write outbox: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write outbox: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write outbox: %w", err)
	}
	t.log.Info("email written to the outbox", slog.String("path", path))
	return nil
}
