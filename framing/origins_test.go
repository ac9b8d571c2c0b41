package framing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stellapop/intake/framing"
)

func TestParseOrigins(t *testing.T) {
	good := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ", nil},
		{"https://www.example.com", []string{"https://www.example.com"}},
		{"https://WWW.Example.com/", []string{"https://www.example.com"}},
		{"https://example.com:443", []string{"https://example.com"}},
		{"https://example.com:8443", []string{"https://example.com:8443"}},
		{"https://a.example, https://b.example", []string{"https://a.example", "https://b.example"}},
		{"http://localhost", []string{"http://localhost"}},
		{"http://localhost:3000", []string{"http://localhost:3000"}},
		{"http://127.0.0.1:8081", []string{"http://127.0.0.1:8081"}},
		{"http://127.0.0.1:80", []string{"http://127.0.0.1"}},
	}
	for _, tc := range good {
		got, err := framing.ParseOrigins(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseOrigins(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ in, says string }{
		{"http://www.example.com", "https://"},
		{"http://192.168.1.5:3000", "https://"},
		{"ftp://example.com", "https://"},
		{"example.com", "origin"},
		{"www.example.com:443", "https://"},
		{"https://example.com/page", "path"},
		{"https://example.com?x=1", "path"},
		{"https://example.com#top", "path"},
		{"https://user:pw@example.com", "credentials"},
		{"https://*.example.com", "wildcard"},
		{"https://example.com:0", "port"},
		{"https://example.com:99999", "port"},
		{"*", "origin"},
		{"'self'", "origin"},
		{"https://a.example, https://A.example/", "twice"},
		{"https://ok.example, javascript:alert(1)", "origin"},
	}
	for _, tc := range bad {
		got, err := framing.ParseOrigins(tc.in)
		if err == nil {
			t.Errorf("ParseOrigins(%q) = %q, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("ParseOrigins(%q) error %q does not mention %q", tc.in, err, tc.says)
		}
	}
}
