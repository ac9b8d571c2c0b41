package handlers_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// generatedRequestID is the form of an id the portal makes itself: this
// process's 12 hex characters, a dash, then a count in base 36.
var generatedRequestID = regexp.MustCompile(`^[0-9a-f]{12}-[0-9a-z]+$`)

// TestRequestIDFromClient: a client's X-Request-ID names the request in
// the response and the request log only when it is 1 to 64 of A-Z, a-z,
// 0-9, '.', '_' and '-'; anything else is replaced by an id of our own.
// Requests go through the router directly, as a Go client would refuse to
// send some of these values at all.
func TestRequestIDFromClient(t *testing.T) {
	var logs bytes.Buffer
	s := newSiteWith(t, modelstest.Open(t, models.SQLite), func(d *handlers.Deps) {
		d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	const keep = true
	for _, tc := range []struct {
		name   string
		header []string // nil: no X-Request-ID at all
		kept   bool
	}{
		{"letters, digits, dot, underscore and dash", []string{"abc-123_DEF.9"}, keep},
		{"a UUID", []string{"0f8fad5b-d9cb-469f-a165-70867728950e"}, keep},
		{"one character", []string{"x"}, keep},
		{"64 characters", []string{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, keep},
		{"one of ours", []string{"0a1b2c3d4e5f-2s"}, keep},
		{"none", nil, !keep},
		{"empty", []string{""}, !keep},
		{"65 characters", []string{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefg"}, !keep},
		{"a space", []string{"abc def"}, !keep},
		{"a tab", []string{"abc\tdef"}, !keep},
		{"CR LF and a forged log line", []string{"abc\r\nlevel=ERROR msg=forged"}, !keep},
		{"LF", []string{"abc\n"}, !keep},
		{"CR", []string{"abc\r"}, !keep},
		{"NUL", []string{"abc\x00"}, !keep},
		{"double quotes", []string{`"abc"`}, !keep},
		{"single quote", []string{"it's"}, !keep},
		{"markup", []string{"<script>alert(1)</script>"}, !keep},
		{"non-ASCII", []string{"café"}, !keep},
		{"a full-width digit", []string{"abc１"}, !keep},
		{"a slash", []string{"a/b"}, !keep},
		{"only the first of two is read", []string{"<b>", "good-id"}, !keep},
	} {
		logs.Reset()
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		if tc.header != nil {
			req.Header["X-Request-Id"] = tc.header
		}
		rec := httptest.NewRecorder()
		s.echo.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if tc.kept && got != tc.header[0] {
			t.Errorf("%s: response id %q, want the client's %q", tc.name, got, tc.header[0])
		}
		if !tc.kept && !generatedRequestID.MatchString(got) {
			t.Errorf("%s: response id %q, want a fresh one of ours", tc.name, got)
		}
		var line struct{ Msg, ID string }
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line.Msg != "request" || line.ID != got {
			t.Errorf("%s: request log %q (%v), want one line with the id %q", tc.name, logs.String(), err, got)
		}
	}
}
