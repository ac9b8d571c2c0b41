package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models/modelstest"
)

// The log holds lines in memory and writes them in batches. These tests
// run the real binary with the default settings and check that a
// request's line still reaches the output soon without any shutdown, and
// that none is lost when SIGTERM stops the process.

// requestLine is a request's log line in the text format, every field in
// its place.
var requestLine = regexp.MustCompile(`^time=\S+ level=INFO msg=request id=(\S+) method=GET route=/articles/leadership-vs-management status=200 latency=\S+$`)

func TestLogLinesAppearWithoutShutdown(t *testing.T) {
	bin := buildIntake(t)
	logs := &syncBuffer{}
	p := startIntake(t, bin, freeAddr(t), logs, "DATABASE_URL="+modelstest.DatabaseURL(t), "INTAKE_DATA_DIR="+t.TempDir())

	ids := getArticles(t, p.base, "soon", 50)
	served := time.Now()
	waitFor(t, "every request's line in the output, the process still running", 5*time.Second, func() bool {
		return len(missingLines(logs.String(), ids)) == 0
	})
	t.Logf("every line was out %v after the last request (LOG_FLUSH_INTERVAL=1s)", time.Since(served).Round(10*time.Millisecond))
	select {
	case <-p.done:
		t.Fatalf("the process exited: %v", p.err)
	default:
	}
}

func TestEveryLogLineIsWrittenBeforeExitOnSIGTERM(t *testing.T) {
	bin := buildIntake(t)
	logs := &syncBuffer{}
	p := startIntake(t, bin, freeAddr(t), logs, "DATABASE_URL="+modelstest.DatabaseURL(t), "INTAKE_DATA_DIR="+t.TempDir(),
		// Long enough that only the shutdown can have written them.
		"LOG_FLUSH_INTERVAL=10s")

	ids := getArticles(t, p.base, "before-sigterm", 2000)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want 0\n%s", err, tail(logs.String(), 20))
	}
	out := logs.String()
	if missing := missingLines(out, ids); len(missing) > 0 {
		t.Errorf("%d of %d request lines missing after SIGTERM, such as %s", len(missing), len(ids), missing[0])
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "msg=stopped") {
		t.Errorf("the last line is %q, want the stop", last)
	}
}

// getArticles loads the article n times from 8 clients at once, each
// request with its own id, and returns the ids.
func getArticles(t *testing.T, base, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += 8 {
				ids[i] = fmt.Sprintf("%s-%d", prefix, i)
				req, _ := http.NewRequest(http.MethodGet, base+handlers.ArticlePath, nil)
				req.Header.Set("X-Request-Id", ids[i])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET %s = %d", handlers.ArticlePath, res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// missingLines returns the ids without exactly one whole request line in
// out. A line torn or mixed with another would not match.
func missingLines(out string, ids []string) []string {
	seen := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		if m := requestLine.FindStringSubmatch(line); m != nil {
			seen[m[1]]++
		}
	}
	var missing []string
	for _, id := range ids {
		if seen[id] != 1 {
			missing = append(missing, id)
		}
	}
	return missing
}
