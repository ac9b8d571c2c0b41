package mail_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

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

// BenchmarkBareGoMail is the limit the worker is compared with: the same
// messages sent by a plain go-mail loop into the same kind of server.
func BenchmarkBareGoMail(b *testing.B) {
	r := newRig(b, models.Postgres)
	lead := r.saveLead(nil)
	c, _, _ := composer(b)
	port, _ := strconv.Atoi(r.smtp.Addr()[len("127.0.0.1:"):])
	client, err := gomail.NewClient("127.0.0.1", gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		msg, err := c.Compose(lead, models.EmailKinds[i%2], time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := client.DialAndSendWithContext(context.Background(), msg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "emails/s")
}
