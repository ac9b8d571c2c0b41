package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// article is a file as the portal answers it: the same page plain and
// gzipped, with headers that differ by encoding.
func article() servedFile {
	return servedFile{
		Path: "/articles/a?v=1",
		Plain: answer{Body: []byte("plain page"), Header: http.Header{
			"Content-Type": {"text/html; charset=UTF-8"}, "Etag": {`"abc"`}, "Vary": {"Accept-Encoding"},
			"Cache-Control": {"no-cache"}, "X-Request-Id": {"r-1"}}},
		Gzip: answer{Body: []byte("gzip bytes"), Header: http.Header{
			"Content-Type": {"text/html; charset=UTF-8"}, "Etag": {`"abc-gz"`}, "Vary": {"Accept-Encoding"},
			"Cache-Control": {"no-cache"}, "X-Request-Id": {"r-2"}, "Content-Encoding": {"gzip"}}},
	}
}

func TestBareServerAnswersEachClientAsThePortalDoes(t *testing.T) {
	f := article()
	h := bareHandler([]servedFile{f})
	for _, c := range clients {
		req := httptest.NewRequest(http.MethodGet, f.Path, nil)
		if c.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", c.acceptEncoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := answer{Header: rec.Header(), Body: rec.Body.Bytes()}
		want := f.Plain
		if c.acceptEncoding == "gzip" {
			want = f.Gzip
		}
		if err := sameAnswer(want, got, true); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestSameAnswer(t *testing.T) {
	base := article().Gzip
	change := func(edit func(a *answer)) answer {
		a := answer{Header: base.Header.Clone(), Body: append([]byte(nil), base.Body...)}
		edit(&a)
		return a
	}
	tests := []struct {
		name    string
		got     answer
		headers bool
		same    bool
	}{
		{"identical", change(func(*answer) {}), true, true},
		{"another request ID and date", change(func(a *answer) { a.Header.Set("X-Request-Id", "r-9"); a.Header.Set("Date", "now") }), true, true},
		{"other bytes", change(func(a *answer) { a.Body = []byte("plain page") }), true, false},
		{"not compressed", change(func(a *answer) { a.Header.Del("Content-Encoding") }), false, false},
		{"another Etag", change(func(a *answer) { a.Header.Set("Etag", `"abc"`) }), true, false},
		{"another Etag, headers not compared (nginx)", change(func(a *answer) { a.Header.Set("Etag", `"abc"`) }), false, true},
		{"a header the portal does not send", change(func(a *answer) { a.Header.Set("Server", "x") }), true, false},
		{"a header missing", change(func(a *answer) { a.Header.Del("Cache-Control") }), true, false},
	}
	for _, tt := range tests {
		if err := sameAnswer(base, tt.got, tt.headers); (err == nil) != tt.same {
			t.Errorf("%s: sameAnswer = %v, want same %v", tt.name, err, tt.same)
		}
	}
}
