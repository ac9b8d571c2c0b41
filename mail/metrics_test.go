package mail_test

import (
	"testing"
	"time"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/metrics"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestDeliveriesAreCounted: a refused attempt counts as failed for its
// kind, and each email the server accepts as sent.
func TestDeliveriesAreCounted(t *testing.T) {
	store := modelstest.Open(t, models.SQLite)
	srv := mailtest.NewServer(t)
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := mail.NewSMTPTransport(settings, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Config{EmailKinds: models.EmailKinds})
	c, def, cons := composer(t)
	q, emails := mailtest.NewQueue(t, store, mail.WorkerConfig{Composer: c, Transport: transport, RetryBase: 50 * time.Millisecond, Metrics: m}, 2)
	r := &rig{t: t, store: store, queue: q, emails: emails, smtp: srv, def: def, cons: cons}

	r.smtp.FailNextData(1, 451, "Requested action aborted: local error in processing")
	r.start()
	r.saveLead(nil)
	r.smtp.WaitForMessages(t, 2, 15*time.Second)
	r.waitFor("both sends to be counted", 5*time.Second, func() bool {
		return counted(t, m, "intake_emails_sent_total") == 2
	})
	for _, kind := range models.EmailKinds {
		if v, _ := metricstest.Sample(scrapeText(t, m), "intake_emails_sent_total", "kind", kind); v != 1 {
			t.Errorf("intake_emails_sent_total{kind=%q} = %v, want 1", kind, v)
		}
	}
	if n := counted(t, m, "intake_emails_failed_total"); n != 1 {
		t.Errorf("intake_emails_failed_total over both kinds = %v, want the one refused attempt", n)
	}
}

func scrapeText(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	body, err := metricstest.Scrape(m.Handler())
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// counted sums a counter over every email kind.
func counted(t *testing.T, m *metrics.Metrics, name string) float64 {
	body := scrapeText(t, m)
	var sum float64
	for _, kind := range models.EmailKinds {
		v, _ := metricstest.Sample(body, name, "kind", kind)
		sum += v
	}
	return sum
}
