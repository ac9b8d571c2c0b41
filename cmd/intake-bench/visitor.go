package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// submitResult is what a load saw: the latencies of the visits' last
// answers (the POST, or a refused GET) by status.
type submitResult struct {
	elapsed  time.Duration
	latency  map[int][]time.Duration // status → latencies of the last answers
	timeouts int                     // requests that got no answer in time
	problems int                     // GETs that failed, other errors
	firstBad string
}

func (r *submitResult) total() int {
	n := 0
	for _, l := range r.latency {
		n += len(l)
	}
	return n + r.timeouts
}

func (r *submitResult) rate(status int) float64 {
	return float64(len(r.latency[status])) / r.elapsed.Seconds()
}

// p99 of the POSTs answered with any of codes.
func (r *submitResult) p99(codes ...int) time.Duration { return r.quantile(99, codes...) }

// p50 of the POSTs answered with any of codes.
func (r *submitResult) p50(codes ...int) time.Duration { return r.quantile(50, codes...) }

// quantile is the pct-th percentile of the POSTs answered with any of codes.
func (r *submitResult) quantile(pct int, codes ...int) time.Duration {
	var all []time.Duration
	for _, c := range codes {
		all = append(all, r.latency[c]...)
	}
	if len(all) == 0 {
		return 0
	}
	slices.Sort(all)
	return all[min(len(all)-1, len(all)*pct/100)]
}

// unexpected describes answers other than want, or "" when there were none.
func (r *submitResult) unexpected(want int) string {
	var parts []string
	for code, l := range r.latency {
		if code != want {
			parts = append(parts, fmt.Sprintf("%d× %d", len(l), code))
		}
	}
	if r.timeouts > 0 {
		parts = append(parts, fmt.Sprintf("%d timeouts", r.timeouts))
	}
	if r.problems > 0 {
		parts = append(parts, fmt.Sprintf("%d failed requests (first: %s)", r.problems, r.firstBad))
	}
	return strings.Join(parts, ", ")
}

var radioInput = regexp.MustCompile(`<input type="radio" name="([^"]+)" value="([^"]*)"`)

// hiddenFields adds the form's hidden inputs in page to form. It scans
// for them instead of running a regular expression over the whole page:
// the load generator shares the machine with the portal and PostgreSQL,
// and its own CPU time would otherwise count against the portal.
func hiddenFields(page []byte, form url.Values) {
	const open, value = `<input type="hidden" name="`, `" value="`
	for {
		i := bytes.Index(page, []byte(open))
		if i < 0 {
			return
		}
		page = page[i+len(open):]
		j := bytes.Index(page, []byte(value))
		if j < 0 {
			return
		}
		name := string(page[:j])
		page = page[j+len(value):]
		k := bytes.IndexByte(page, '"')
		if k < 0 {
			return
		}
		form.Set(name, html.UnescapeString(string(page[:k])))
		page = page[k:]
	}
}

// questions is the diagnostic's questions and each one's options, read
// from the first form served: they are the same on every form.
type questions struct {
	once    sync.Once
	names   []string
	options map[string][]string
}

func (q *questions) read(page []byte) {
	q.once.Do(func() {
		q.options = map[string][]string{}
		for _, m := range radioInput.FindAllSubmatch(page, -1) {
			name := string(m[1])
			if _, ok := q.options[name]; !ok {
				q.names = append(q.names, name)
			}
			q.options[name] = append(q.options[name], string(m[2]))
		}
	})
}

// runSubmitLoad runs n visitors for dur: each opens the form (which sets
// the CSRF cookie), answers it and sends it, again and again, over kept-
// alive connections, as a browser without JavaScript does.
func runSubmitLoad(ctx context.Context, base string, n int, dur, timeout time.Duration) (*submitResult, error) {
	return runVisits(ctx, base, n, dur, timeout, false)
}

// runForwardedSubmitLoad is runSubmitLoad through a proxy that takes the
// visitor's address from X-Forwarded-For, as one behind a TLS terminator
// or a cloud load balancer does: each visit comes from an address of its
// own, as each visit of a real site comes from another person, so the
// per-address submission limit counts each once.
func runForwardedSubmitLoad(ctx context.Context, base string, n int, dur, timeout time.Duration) (*submitResult, error) {
	return runVisits(ctx, base, n, dur, timeout, true)
}

// visitAddress is visit n's address, in 198.18.0.0/15, the range set
// aside for benchmarks (RFC 2544): 131,072 addresses, taken in turn.
func visitAddress(n int) string {
	k := n % (1 << 17)
	return fmt.Sprintf("198.%d.%d.%d", 18+k>>16, k>>8&255, k&255)
}

func runVisits(ctx context.Context, base string, n int, dur, timeout time.Duration, forwarded bool) (*submitResult, error) {
	// The load generator's heap is a few megabytes of short-lived pages,
	// so at Go's default it collects garbage all the time, on the two
	// cores the portal and PostgreSQL need; pgbench's client has no such
	// cost. A larger target makes collections rare while it runs.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	host := strings.TrimPrefix(base, "http://")
	res := &submitResult{latency: map[int][]time.Duration{}}
	var mu sync.Mutex
	var seq atomic.Int64
	qs := &questions{}
	stopAt := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := &visitor{host: host, timeout: timeout, forwarded: forwarded}
			defer v.close()
			for time.Now().Before(stopAt) && ctx.Err() == nil {
				status, took, err := v.submit(qs, int(seq.Add(1)))
				mu.Lock()
				var ne net.Error
				switch {
				case errors.As(err, &ne) && ne.Timeout():
					res.timeouts++
				case err != nil:
					res.problems++
					if res.firstBad == "" {
						res.firstBad = err.Error()
					}
				default:
					res.latency[status] = append(res.latency[status], took)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, ctx.Err()
}

// visitor is one person submitting the form again and again, as a browser
// without JavaScript does, over one kept-alive connection. It writes its
// two requests by hand and reads the answers with net/http's parser,
// which costs far less than http.Client's goroutines per request: the
// load generator's CPU is taken from the portal and PostgreSQL.
type visitor struct {
	host      string
	timeout   time.Duration
	forwarded bool // each visit sends its own address as X-Forwarded-For
	conn      net.Conn
	r         *bufio.Reader
	req       bytes.Buffer // the request being sent
	page      bytes.Buffer // the form last served
}

func (v *visitor) close() {
	if v.conn != nil {
		v.conn.Close()
		v.conn = nil
	}
}

// do sends the request in v.req and reads the answer's status, cookies
// and body (into v.page when page is set).
func (v *visitor) do(page bool) (status int, cookies []string, err error) {
	if v.conn == nil {
		if v.conn, err = net.DialTimeout("tcp", v.host, v.timeout); err != nil {
			return 0, nil, err
		}
		if v.r == nil {
			v.r = bufio.NewReaderSize(v.conn, 32<<10)
		} else {
			v.r.Reset(v.conn)
		}
	}
	defer func() {
		if err != nil {
			v.close()
		}
	}()
	if err = v.conn.SetDeadline(time.Now().Add(v.timeout)); err != nil {
		return 0, nil, err
	}
	if _, err = v.conn.Write(v.req.Bytes()); err != nil {
		return 0, nil, err
	}
	res, err := http.ReadResponse(v.r, nil)
	if err != nil {
		return 0, nil, err
	}
	for _, c := range res.Header["Set-Cookie"] {
		if i := strings.IndexByte(c, ';'); i >= 0 {
			c = c[:i]
		}
		cookies = append(cookies, c)
	}
	if page {
		v.page.Reset()
		_, err = v.page.ReadFrom(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	res.Body.Close()
	if err == nil && res.Close {
		v.close()
	}
	return res.StatusCode, cookies, err
}

// submit is one visit: GET /diagnostic, then POST the answered form; it
// returns the POST's status and how long it took, or the GET's when the
// form was refused.
func (v *visitor) submit(qs *questions, n int) (int, time.Duration, error) {
	forwarded := ""
	if v.forwarded {
		forwarded = "X-Forwarded-For: " + visitAddress(n) + "\r\n"
	}
	v.req.Reset()
	fmt.Fprintf(&v.req, "GET /diagnostic HTTP/1.1\r\nHost: %s\r\n%s\r\n", v.host, forwarded)
	start := time.Now()
	status, cookies, err := v.do(true)
	if err != nil {
		return 0, 0, err
	}
	if status != http.StatusOK {
		// A refused form is an answer too, in the time it took: the
		// visitor never got to POST.
		return status, time.Since(start), nil
	}
	page := v.page.Bytes()
	form := url.Values{}
	hiddenFields(page, form)
	// Visitor n picks one of the options, a different one per question.
	qs.read(page)
	for i, q := range qs.names {
		form.Set(q, qs.options[q][(n+i)%len(qs.options[q])])
	}
	form.Set("name", "Bench Visitor "+strconv.Itoa(n))
	form.Set("email", "bench"+strconv.Itoa(n)+"@example.com")
	form.Set("company", "Acme Bench")
	form.Set("role", "Head of Operations")
	form.Set("team_size", strconv.Itoa(1+n%40))
	form.Set("consent_summary", "yes")
	if n%2 == 0 {
		form.Set("consent_marketing", "yes")
	}
	body := form.Encode()
	v.req.Reset()
	fmt.Fprintf(&v.req, "POST /diagnostic HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", v.host, forwarded, len(body))
	if len(cookies) > 0 {
		fmt.Fprintf(&v.req, "Cookie: %s\r\n", strings.Join(cookies, "; "))
	}
	v.req.WriteString("\r\n")
	v.req.WriteString(body)
	start = time.Now()
	status, _, err = v.do(false)
	return status, time.Since(start), err
}
