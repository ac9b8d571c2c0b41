package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
	"github.com/stellapop/intake/peer"
	"github.com/stellapop/intake/peer/peertest"
)

// summaryAmong sends the summary of a lead scoring 40 everywhere, saved
// after leads scoring others, through a worker that adds the benchmark
// from a hundred others, and returns its text and HTML.
func summaryAmong(t *testing.T, dialect string, others []int) (text, html string) {
	t.Helper()
	store := modelstest.Open(t, dialect)
	srv := mailtest.NewServer(t)
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := mail.NewSMTPTransport(settings, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, def, cons := composer(t)
	peertest.Seed(t, store, def, nil, others...)
	q, emails := mailtest.NewQueue(t, store, mail.WorkerConfig{Composer: c, Transport: transport,
		RetryBase: 50 * time.Millisecond, Peers: peer.New(store, 100)}, mail.DefaultWorkers)
	r := &rig{t: t, store: store, queue: q, emails: emails, smtp: srv, def: def, cons: cons}
	r.start()
	r.saveLead(func(l *models.Lead) {
		l.OverallIndex = 40
		for i := range l.Scores {
			l.Scores[i].Score = 40
		}
	})
	for _, m := range srv.WaitForMessages(t, 2, 10*time.Second) {
		if len(m.To) == 1 && m.To[0] == "ada@example.com" {
			_, text, html = parts(t, m)
			return text, html
		}
	}
	t.Fatal("no summary to the prospect")
	return "", ""
}

// The prospect's summary carries the peer benchmark, worked out as it is
// sent, once a hundred other results of the version stand behind it.
func TestSummaryCarriesThePeerBenchmark(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			text, html := summaryAmong(t, dialect, peertest.Range(0, 99)) // 0 … 98
			for _, body := range []string{text, html} {
				if strings.Contains(body, "Compared with other managers") || strings.Contains(body, "higher than") {
					t.Errorf("99 others: the summary shows a benchmark:\n%s", body)
				}
			}

			// 101 others: 0 … 99 and one more level at 40, which does not
			// count as lower: 40 of 101 is 39.6%, shown as 39%.
			text, html = summaryAmong(t, dialect, append(peertest.Range(0, 100), 40))
			want := "Your manager scores higher than 39% of managers rated here."
			for _, body := range []string{text, html} {
				if !strings.Contains(body, want) || !strings.Contains(body, "101 other managers") {
					t.Errorf("the summary lacks %q from 101 others:\n%s", want, body)
				}
			}
			if !strings.Contains(strings.Join(strings.Fields(text), " "), "Develops people 39% Innovates 39%") {
				t.Errorf("the text summary lacks each dimension's figure:\n%s", text)
			}
		})
	}
}
