package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// countingReceiver is the receiver both benchmarks deliver to: on
// loopback, in-process, it reads each body, counts it and answers 200,
// verifying nothing, so that it costs both sides the same and little.
type countingReceiver struct {
	srv *httptest.Server
	n   atomic.Int64
}

// receiverDelayEnv, set to a duration such as 50ms, makes the receiver
// take that long before each answer, as one elsewhere on the internet
// might, for both benchmarks alike. Unset, it answers at once, and the
// benchmarks measure the sending side alone.
const receiverDelayEnv = "INTAKE_BENCH_RECEIVER_DELAY"

func newCountingReceiver(b *testing.B) *countingReceiver {
	var delay time.Duration
	if v := os.Getenv(receiverDelayEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			b.Fatalf("%s=%q: want a duration such as 50ms", receiverDelayEnv, v)
		}
		delay = d
	}
	rc := &countingReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		time.Sleep(delay)
		rc.n.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(rc.srv.Close)
	return rc
}

// waitForCount waits until the receiver has answered n requests.
func (rc *countingReceiver) waitForCount(b *testing.B, n int64, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for rc.n.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("the receiver got %d of %d deliveries within %s", rc.n.Load(), n, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkWorkerDelivery measures deliveries per second through the queue
// and the delivery workers (DefaultWorkers of them, as WEBHOOK_WORKERS'
// default) into a receiver on loopback: b.N leads are saved first, each
// queuing lead.created for the one endpoint, then the workers start, and
// the clock runs from the first delivery's arrival to the last's. Each
// delivery does what production does: read the endpoint and the lead,
// build and sign the body, post it through the guarded dialler (loopback
// allowed, as WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows) and write the
// delivery log. Starting the queue happens once per process, so it is
// left out, as the bare loop leaves out dialling.
func BenchmarkWorkerDelivery(b *testing.B) {
	r := newRig(b, models.Postgres, nil)
	rc := newCountingReceiver(b)
	ep := r.endpoint(models.WebhookStandard, rc.srv.URL+"/hook", LeadCreated)
	for i := range b.N {
		r.save(r.lead(fmt.Sprintf("Lead %d", i), fmt.Sprintf("lead%d@example.com", i), "Acme"))
	}
	b.StopTimer()
	r.start()
	rc.waitForCount(b, 1, time.Minute)
	b.ResetTimer()
	b.StartTimer()
	rc.waitForCount(b, int64(b.N), 5*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(b.N-1)/b.Elapsed().Seconds(), "deliveries/s")

	// Every one was delivered once, and logged as a success: a retry would
	// have been counted by the receiver as another delivery.
	var ok, all int
	waitFor(b, "the delivery log", time.Minute, func() bool {
		err := r.store.SQLDB().QueryRow("SELECT count(*) FILTER (WHERE succeeded), count(*) FROM webhook_deliveries WHERE endpoint_id = $1", ep.ID).Scan(&ok, &all)
		return err == nil && all >= b.N
	})
	if ok != b.N || all != b.N || rc.n.Load() != int64(b.N) {
		b.Fatalf("%d deliveries logged, %d succeeded, %d received; want %d of each", all, ok, rc.n.Load(), b.N)
	}
}

// BenchmarkBareNetHTTP is the limit the workers are compared with: the best
// bare net/http client loop for the same job. As many senders as the
// portal has delivery workers post at once through one client whose idle
// pool keeps a connection for each (dialled before the clock starts), each
// signing and posting a lead.created body of the same size (built by the
// same code from the same kind of lead) to the same kind of receiver.
func BenchmarkBareNetHTTP(b *testing.B) {
	r := newRig(b, models.Postgres, nil)
	rc := newCountingReceiver(b)
	ctx := context.Background()
	saved := r.save(r.lead("Ada Lovelace", "ada@example.com", "Analytical Engines"))
	lead, err := r.store.LeadByID(ctx, saved.ID)
	if err != nil {
		b.Fatal(err)
	}
	body, err := bodies{def: r.def, baseURL: testBaseURL}.standard(WebhookArgs{
		EndpointID: 1, EventID: NewEventID(), EventType: LeadCreated, LeadID: lead.ID, OccurredAt: eventTime(time.Now()),
	}, lead)
	if err != nil {
		b.Fatal(err)
	}
	secret, url := NewSecret(), rc.srv.URL+"/hook"
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: DefaultWorkers, IdleConnTimeout: 90 * time.Second}}
	b.Cleanup(client.CloseIdleConnections)
	post := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		if err := signHeaders(req.Header, []string{secret}, NewEventID(), time.Now(), body); err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Intake-Webhooks/1")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	// One connection per sender, dialled and kept before the clock starts.
	run := func(senders int, n int64) error {
		var next atomic.Int64
		errs := make(chan error, senders)
		var wg sync.WaitGroup
		for range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= n {
					if err := post(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := run(DefaultWorkers, DefaultWorkers); err != nil {
		b.Fatal(err)
	}
	rc.n.Store(0)
	b.ResetTimer()
	err = run(DefaultWorkers, int64(b.N))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if got := rc.n.Load(); got != int64(b.N) {
		b.Fatalf("the receiver got %d of %d posts", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(DefaultWorkers, "senders")
	b.ReportMetric(float64(len(body)), "body-bytes")
}

// queueProbeArgs is a job that does nothing: BenchmarkQueueAlone's.
type queueProbeArgs struct {
	N int `json:"n"`
}

func (queueProbeArgs) Kind() string { return "webhook_bench_probe" }

// BenchmarkQueueAlone is what the queue itself allows: River as the
// delivery workers use it (the same Config, DefaultWorkers at once on the
// webhook queue, the same PostgreSQL), working jobs that do nothing but
// count. No delivery can go faster than this, since each is such a job
// and more; the webhook row quotes it beside the bare loop so that the
// share of the gap that is the queue's own shows. b.N jobs are queued
// first, then the workers start, and the clock runs from the first job
// done to the last, as in BenchmarkWorkerDelivery.
func BenchmarkQueueAlone(b *testing.B) {
	store := modelstest.Open(b, models.Postgres)
	var done atomic.Int64
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[queueProbeArgs]) error {
		done.Add(1)
		return nil
	}))
	q, err := jobs.New(store, jobs.Config{Workers: workers, Queues: map[string]int{QueueName: DefaultWorkers}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := jobs.Migrate(store)(ctx); err != nil {
		b.Fatal(err)
	}
	const chunk = 1000
	for start := 0; start < b.N; start += chunk {
		params := make([]river.InsertManyParams, 0, chunk)
		for i := start; i < min(start+chunk, b.N); i++ {
			params = append(params, river.InsertManyParams{Args: queueProbeArgs{N: i}, InsertOpts: &river.InsertOpts{Queue: QueueName}})
		}
		if err := store.InTx(ctx, func(ctx context.Context, tx models.Tx) error { return q.Insert(ctx, tx, params...) }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	wait := func(n int64, timeout time.Duration) {
		deadline := time.Now().Add(timeout)
		for done.Load() < n {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d jobs done within %s", done.Load(), n, timeout)
			}
			time.Sleep(time.Millisecond)
		}
	}
	wait(1, time.Minute)
	b.ResetTimer()
	b.StartTimer()
	wait(int64(b.N), 5*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(b.N-1)/b.Elapsed().Seconds(), "jobs/s")
	if got := done.Load(); got != int64(b.N) {
		b.Fatalf("%d jobs done; want %d, each once", got, b.N)
	}
}
