package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Transport delivers one composed message.
type Transport interface {
	Send(ctx context.Context, msg *gomail.Msg, name string) error
}

// SMTPTransport sends through a mail server, one connection per message.
type SMTPTransport struct {
	settings SMTP
	timeout  time.Duration
}

// NewSMTPTransport checks the settings by building a client once.
func NewSMTPTransport(s SMTP) (*SMTPTransport, error) {
	t := &SMTPTransport{settings: s, timeout: 30 * time.Second}
	if _, err := t.client(); err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return t, nil
}

func (t *SMTPTransport) client() (*gomail.Client, error) {
	opts := append(t.settings.clientOptions(), gomail.WithTimeout(t.timeout))
	return gomail.NewClient(t.settings.Host, opts...)
}

// Send dials the server and delivers the message. It returns when ctx is
// cancelled even mid-conversation, which go-mail does not do by itself
// after dialling: the abandoned conversation ends within the timeout.
func (t *SMTPTransport) Send(ctx context.Context, msg *gomail.Msg, _ string) error {
	c, err := t.client()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.DialAndSendWithContext(ctx, msg) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
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
