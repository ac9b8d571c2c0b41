package handlers

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRequestLogLevel(t *testing.T) {
	for _, c := range []struct {
		status  int
		refused bool
		want    string
	}{
		{200, false, "level=INFO"},
		{404, false, "level=INFO"},
		{500, false, "level=ERROR"},
		{503, false, "level=ERROR"}, // a 503 the shedder did not give is a fault
		{503, true, "level=WARN"},   // refused under load: as designed
	} {
		var log bytes.Buffer
		h := &Handlers{Deps: Deps{Logger: slog.New(slog.NewTextHandler(&log, nil))}}
		start := time.Now()
		h.logRequest("id-1", "GET", "/readyz", c.status, c.refused, start, start.Add(time.Millisecond))
		if !strings.Contains(log.String(), c.want) {
			t.Errorf("status %d, refused %v: logged %q, want %s", c.status, c.refused, log.String(), c.want)
		}
	}
}
