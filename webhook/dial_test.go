package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// neverConnect stands after the guard in the dialler: if the guard let an
// address through, the test fails and the socket is never connected, so a
// broken guard cannot send a packet anywhere.
func neverConnect(t *testing.T) func(network, address string) error {
	return func(network, address string) error {
		t.Errorf("the guard let a connection to %s through", address)
		return errors.New("the test stops every connection")
	}
}

// loopbackOnly lets tests reach their own receivers and nothing else.
func loopbackOnly(t testing.TB) func(network, address string) error {
	return func(network, address string) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("a delivery tried to connect to %s, beyond loopback", address)
			return errors.New("tests connect to loopback only")
		}
		return nil
	}
}

// TestGuardRefusesPrivateAddresses: without WEBHOOK_ALLOW_PRIVATE_NETWORKS
// the dialler's control hook refuses every non-public address it is about
// to connect to, names resolved first; the connection step after it fails
// the test, so nothing is ever sent.
func TestGuardRefusesPrivateAddresses(t *testing.T) {
	targets := []string{
		"https://127.0.0.1:9/hook",
		"https://10.0.0.1:9/hook",
		"https://[::1]:9/hook",
		"https://169.254.169.254:9/latest/meta-data",
		"https://localhost:9/hook", // a name that resolves to loopback
	}
	s := newSender(false, 2*time.Second, 0, neverConnect(t))
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			a := s.post(context.Background(), target, http.Header{}, []byte(`{}`), time.Now())
			if a.status != 0 || !errors.Is(a.err, ErrRefusedAddress) {
				t.Errorf("got status %d, error %v; want the address refused", a.status, a.err)
			}
			if o := judge(a); o.ok || o.retry {
				t.Errorf("judged %+v; a refused address is a failure not retried", o)
			}
		})
	}
	// Plain http is refused before any dialling without the setting.
	if a := s.post(context.Background(), "http://192.0.2.10/hook", http.Header{}, nil, time.Now()); !errors.Is(a.err, ErrRefusedAddress) {
		t.Errorf("plain http: %v", a.err)
	}
}

// TestGuardDecidesOnTheDialledAddress checks the control hook's rule
// directly, on addresses as the dialler hands them over.
func TestGuardDecidesOnTheDialledAddress(t *testing.T) {
	for _, c := range []struct {
		g       guard
		address string
		allowed bool
	}{
		{guard{}, "127.0.0.1:443", false},
		{guard{}, "10.0.0.1:443", false},
		{guard{}, "[::1]:443", false},
		{guard{}, "169.254.169.254:80", false},
		{guard{}, "[::ffff:127.0.0.1]:443", false},
		{guard{}, "[fd00::1]:443", false},
		{guard{}, "93.184.215.14:443", true},
		{guard{allowPrivate: true}, "127.0.0.1:443", true},
		{guard{allowPrivate: true}, "10.0.0.1:443", true},
		{guard{allowPrivate: true, plain: true}, "10.0.0.1:80", true},
		{guard{allowPrivate: true, plain: true}, "93.184.215.14:80", false}, // never in clear over the internet
		{guard{plain: true}, "10.0.0.1:80", false},
		{guard{}, "example.com:443", false}, // a name never reaches the hook unresolved; if it did, refuse
	} {
		err := c.g.dialControl(nil)("tcp", c.address, nil)
		if (err == nil) != c.allowed {
			t.Errorf("%+v %s: error %v, want allowed=%v", c.g, c.address, err, c.allowed)
		}
	}
}

// TestLoopbackReceiverRefusedWithoutTheSetting: end to end, a real
// receiver on loopback gets nothing unless private networks are allowed.
func TestLoopbackReceiverRefusedWithoutTheSetting(t *testing.T) {
	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	s := newSender(false, 2*time.Second, 0, neverConnect(t))
	for _, target := range []string{srv.URL, "https://localhost:" + port + "/"} {
		if a := s.post(context.Background(), target, http.Header{}, []byte(`{}`), time.Now()); !errors.Is(a.err, ErrRefusedAddress) {
			t.Errorf("%s: %v, want refused", target, a.err)
		}
	}
	if hits != 0 {
		t.Errorf("the receiver got %d requests", hits)
	}
}

// TestRedirectNotFollowed: a receiver (on loopback, allowed) answering
// with a redirect to the cloud metadata address is not followed; the 3xx
// is a failure.
func TestRedirectNotFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s := newSender(true, 2*time.Second, 0, loopbackOnly(t))
	a := s.post(context.Background(), srv.URL, http.Header{}, []byte(`{}`), time.Now())
	if a.status != http.StatusTemporaryRedirect {
		t.Fatalf("status %d, error %v; want the 307 itself", a.status, a.err)
	}
	if o := judge(a); o.ok || o.retry || !strings.Contains(o.reason, "redirect") {
		t.Errorf("judged %+v; want a failure, not retried, saying why", o)
	}
}

// TestAnswersCutTimedOutAndMadeValid: a 10 MB answer is cut at 1 KB
// without being read to its end, a receiver that never answers times out,
// and invalid UTF-8 (and NUL) becomes storable text.
func TestAnswersCutTimedOutAndMadeValid(t *testing.T) {
	var wrote atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 160 { // 10 MB
			n, err := w.Write(chunk)
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	stuck := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(stuck)
	garbled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("bad \xff\xfe\x00 input \xc3"))
	}))
	defer garbled.Close()

	s := newSender(true, 300*time.Millisecond, 0, loopbackOnly(t))
	a := s.post(context.Background(), huge.URL, http.Header{}, []byte(`{}`), time.Now())
	if a.status != 200 || len(a.body) != responseKeep || a.err != nil {
		t.Errorf("10 MB answer: status %d, kept %d bytes, error %v; want 200 and %d bytes", a.status, len(a.body), a.err, responseKeep)
	}

	a = s.post(context.Background(), silent.URL, http.Header{}, []byte(`{}`), time.Now())
	if o := judge(a); a.status != 0 || !o.retry || !strings.Contains(o.reason, "timed out") {
		t.Errorf("silent receiver: status %d, judged %+v; want a timeout, retried", a.status, o)
	}

	a = s.post(context.Background(), garbled.URL, http.Header{}, []byte(`{}`), time.Now())
	if !utf8.ValidString(a.body) || strings.ContainsRune(a.body, 0) || !strings.HasPrefix(a.body, "bad ") || !strings.Contains(a.body, " input ") {
		t.Errorf("answer stored as %q", a.body)
	}
	if wrote.Load() >= 10<<20 {
		t.Errorf("the 10 MB answer was read to its end (%d bytes written)", wrote.Load())
	}
}

// TestRetryAfter reads both forms of the header.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"1.5":                           0,
		"soon":                          0,
		"Thu, 03 Dec 2026 10:05:00 GMT": 5 * time.Minute,
		"Wed, 02 Dec 2026 10:05:00 GMT": 0,
		"999999999":                     maxRetryAfter,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}

// TestBackoffSpansADay: the default backoff tries for about 24 hours.
func TestBackoffSpansADay(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		total += Backoff(10*time.Second, attempt)
	}
	if total < 23*time.Hour || total > 26*time.Hour {
		t.Errorf("%d attempts span %v, want about 24 hours", MaxAttempts, total)
	}
	if got := Backoff(10*time.Second, 1); got != 10*time.Second {
		t.Errorf("first retry after %v", got)
	}
}

// TestSenderKeepsAConnectionPerWorker: when as many deliveries as there
// are workers go to one receiver at once, burst after burst, each burst
// reuses the connections the one before opened. Keeping fewer idle than
// go out at once would close the rest after every burst and dial them
// again: a new TCP connection and, for an https receiver, a new TLS
// handshake for those deliveries.
func TestSenderKeepsAConnectionPerWorker(t *testing.T) {
	const workers, bursts = 8, 3
	var opened atomic.Int64
	arrived := make(chan struct{}, workers)
	release := make(chan struct{})
	// The answer has no body, so the client's transport puts each
	// connection back in its idle pool before the sender returns: the
	// next burst finds every connection it may keep.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release // every delivery of the burst is in flight at once
		w.WriteHeader(http.StatusOK)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	s := newSender(true, 5*time.Second, workers, loopbackOnly(t))
	for burst := range bursts {
		answers := make(chan answer, workers)
		for range workers {
			go func() { answers <- s.post(context.Background(), srv.URL, http.Header{}, []byte(`{}`), time.Now()) }()
		}
		for range workers {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatalf("burst %d: %d deliveries did not all reach the receiver at once", burst+1, workers)
			}
		}
		for range workers {
			release <- struct{}{}
		}
		for range workers {
			if a := <-answers; a.status != http.StatusOK {
				t.Fatalf("burst %d: status %d, error %v", burst+1, a.status, a.err)
			}
		}
	}
	if got := opened.Load(); got != workers {
		t.Errorf("%d bursts of %d deliveries opened %d connections, want %d: one per worker, kept", bursts, workers, got, workers)
	}
}
