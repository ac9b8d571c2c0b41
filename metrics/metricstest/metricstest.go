// Package metricstest reads the Prometheus text exposition in tests,
// without a client library: one sample by name and labels.
package metricstest

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Scrape reads h's exposition as Prometheus would.
func Scrape(h http.Handler) (string, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("scrape = %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String(), nil
}

var labelPair = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)

// Sample finds the sample called name whose labels include every pair in
// labels (name, value, …) in a scraped body, and returns its value.
func Sample(body, name string, labels ...string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, value, ok := cut(line)
		if !ok {
			continue
		}
		metric, set, _ := strings.Cut(series, "{")
		if metric != name || !hasLabels(set, labels) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		return v, true
	}
	return 0, false
}

// Has reports whether any sample is called name.
func Has(body, name string) bool {
	_, ok := Sample(body, name)
	return ok
}

// cut splits a sample line into its series and value (a timestamp, when
// present, is dropped).
func cut(line string) (series, value string, ok bool) {
	end := strings.LastIndexByte(line, '}')
	rest := line
	if end >= 0 {
		series, rest = line[:end+1], line[end+1:]
	} else {
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			return "", "", false
		}
		series, rest = line[:i], line[i:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", false
	}
	return series, fields[0], true
}

func hasLabels(set string, want []string) bool {
	have := map[string]string{}
	for _, m := range labelPair.FindAllStringSubmatch(set, -1) {
		have[m[1]] = m[2]
	}
	for i := 0; i+1 < len(want); i += 2 {
		if v, ok := have[want[i]]; !ok || v != want[i+1] {
			return false
		}
	}
	return true
}

// Want reports a test error unless body has the sample name with labels
// (name, value, …) at value.
func Want(t testing.TB, body, name string, value float64, labels ...string) {
	t.Helper()
	got, ok := Sample(body, name, labels...)
	if !ok {
		t.Errorf("no %s%v in the scrape", name, labels)
	} else if got != value {
		t.Errorf("%s%v = %v, want %v", name, labels, got, value)
	}
}
