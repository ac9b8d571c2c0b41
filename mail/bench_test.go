package mail_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// BenchmarkWorkerDelivery measures emails per second through the queue
// and workers into an in-process SMTP server: leads are saved first, then
// the workers start, and the clock runs from the first email's arrival to
// the last's. Starting the queue (its listener, its first fetch) happens
// once per process, not per email, so it is left out, as the bare loop
// leaves out making its client.
func BenchmarkWorkerDelivery(b *testing.B) {
	r := newRig(b, models.Postgres)
	leads := max(b.N/2, 1)
	for range leads {
		r.saveLead(nil)
	}
	b.StopTimer()
	r.start()
	r.smtp.WaitForCount(b, 1, time.Minute)
	b.ResetTimer()
	b.StartTimer()
	r.smtp.WaitForCount(b, 2*leads, 5*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(2*leads-1)/b.Elapsed().Seconds(), "emails/s")
}

// BenchmarkBareGoMail is the limit the worker is compared with: the best
// bare go-mail loop for the same job. As many senders as the portal has
// email workers send at once, each on one connection it dials once and
// keeps (go-mail's Client: DialWithContext, Send many times, Close), the
// same messages into the same kind of server. Dialling happens before the
// clock starts, as the worker's first connection is made before its clock
// starts.
func BenchmarkBareGoMail(b *testing.B) {
	r := newRig(b, models.Postgres)
	lead := r.saveLead(nil)
	c, _, _ := composer(b)
	port, _ := strconv.Atoi(r.smtp.Addr()[len("127.0.0.1:"):])
	ctx := context.Background()
	clients := make([]*gomail.Client, mail.DefaultWorkers)
	for i := range clients {
		client, err := gomail.NewClient("127.0.0.1", gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS))
		if err != nil {
			b.Fatal(err)
		}
		if err := client.DialWithContext(ctx); err != nil {
			b.Fatal(err)
		}
		clients[i] = client
	}
	var next atomic.Int64 // the next message to send, shared by the senders
	errs := make(chan error, len(clients))
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				msg, err := c.Compose(lead, models.EmailKinds[i%2], time.Now())
				if err == nil {
					err = client.Send(msg)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, client := range clients {
		if err := client.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "emails/s")
	b.ReportMetric(float64(len(clients)), "senders")
}
