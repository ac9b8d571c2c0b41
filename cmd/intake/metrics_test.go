package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/mail/mailtest"
	"github.com/stellapop/intake/metrics/metricstest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// freeAddr finds a free port on 127.0.0.1 for a listener the app opens.
// scrapeMetrics reads url's exposition; "" when it does not answer 200.
func scrapeMetrics(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// TestMetricsListener runs the app with METRICS_ADDR and reads the
// metrics a submission and its two delivered emails leave behind.
func TestMetricsListener(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			smtp := mailtest.NewServer(t)
			addr := freeAddr(t)
			base, _ := startApp(t, dialect, "METRICS_ADDR", addr, "SMTP_URL", smtp.URL())
			url := "http://" + addr + "/metrics"
			var body string
			waitUntil(t, "the metrics listener", func() bool { body = scrapeMetrics(t, url); return body != "" })

			for _, state := range []string{"available", "scheduled", "retryable", "running"} {
				if _, ok := metricstest.Sample(body, "intake_queue_jobs", "state", state); !ok {
					t.Errorf("no queue depth for %s", state)
				}
			}
			for _, name := range []string{"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_idle_connections",
				"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total"} {
				if _, ok := metricstest.Sample(body, name, "db_name", "intake"); !ok {
					t.Errorf("no %s for the database pool", name)
				}
			}
			for _, kind := range models.EmailKinds {
				if v, ok := metricstest.Sample(body, "intake_emails_sent_total", "kind", kind); !ok || v != 0 {
					t.Errorf("intake_emails_sent_total{kind=%q} = %v (%v) before any email, want 0", kind, v, ok)
				}
			}

			loc := submit(t, base, "Grace Hopper", "grace@example.com")
			smtp.WaitForMessages(t, 2, 15*time.Second)
			waitUntil(t, "both emails to be counted", func() bool {
				body = scrapeMetrics(t, url)
				for _, kind := range models.EmailKinds {
					if v, _ := metricstest.Sample(body, "intake_emails_sent_total", "kind", kind); v != 1 {
						return false
					}
				}
				return true
			})
			if v, _ := metricstest.Sample(body, "intake_leads_saved_total"); v != 1 {
				t.Errorf("intake_leads_saved_total = %v, want 1", v)
			}
			if v, _ := metricstest.Sample(body, "intake_http_requests_total", "method", "POST", "route", "/diagnostic", "code", "303"); v != 1 {
				t.Errorf("POST /diagnostic 303 counted %v times, want 1", v)
			}
			if strings.Contains(body, "grace@example.com") || strings.Contains(body, strings.TrimPrefix(loc, "/results/")) {
				t.Error("the metrics hold personal data or a result token")
			}

			// Go's profiles are on this listener, and not on the site.
			res, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
			if err != nil {
				t.Fatal(err)
			}
			heap, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(heap), "heap profile") {
				t.Errorf("GET /debug/pprof/heap on METRICS_ADDR = %d, want 200 and a heap profile", res.StatusCode)
			}
			res, err = http.Get(base + "/debug/pprof/heap?debug=1")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET /debug/pprof/heap on the site = %d, want 404", res.StatusCode)
			}
		})
	}
}

// TestMetricsAddrInUseStopsTheStart: a taken METRICS_ADDR is reported
// by name and nothing keeps running.
func TestMetricsAddrInUseStopsTheStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{"INTAKE_DATA_DIR": t.TempDir(), "METRICS_ADDR": taken.Addr().String()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, ln := newListeningApp(t, ctx, env)
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, ln) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
			t.Errorf("run = %v, want an error naming METRICS_ADDR", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the app kept running with its metrics address taken")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the site still listens after the failed start")
	}
}
