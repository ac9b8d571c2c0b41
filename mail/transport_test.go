package mail_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
)

// TestTransportKeepsAConnectionPerWorker: with more email workers than
// the transport keeps by default (MAIL_WORKERS=24), sending burst after
// burst, each burst reuses the connections the one before opened. Keeping
// fewer than are sent at once would close the rest after every burst and
// dial them again: a new connection, TLS handshake and sign-in each.
func TestTransportKeepsAConnectionPerWorker(t *testing.T) {
	const workers, bursts = 24, 3
	srv := mailtest.NewServer(t)
	// Every message of a burst is in flight at once: none is back in the
	// pool before the last of its burst has taken a connection.
	srv.SetDataDelay(300 * time.Millisecond)
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := mail.NewSMTPTransport(settings, workers)
	if err != nil {
		t.Fatal(err)
	}
	defer transport.Close()
	for burst := range bursts {
		errs := make(chan error, workers)
		for i := range workers {
			go func() {
				msg := gomail.NewMsg()
				err := msg.From("intake@stellapop.example")
				if err == nil {
					err = msg.To(fmt.Sprintf("visitor%d@example.com", i))
				}
				if err != nil {
					errs <- err
					return
				}
				msg.Subject(fmt.Sprintf("Burst %d", burst+1))
				msg.SetBodyString(gomail.TypeTextPlain, "One of a burst.")
				errs <- transport.Send(context.Background(), msg, "")
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatalf("burst %d: %v", burst+1, err)
			}
		}
	}
	if got := len(srv.Messages()); got != workers*bursts {
		t.Fatalf("the server took %d messages, want %d", got, workers*bursts)
	}
	if got := srv.Sessions(); got != workers {
		t.Errorf("%d bursts of %d emails opened %d connections, want %d: one per worker, kept", bursts, workers, got, workers)
	}
}
