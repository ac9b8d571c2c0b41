package mail

import (
	"strings"
	"testing"
)

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		raw  string
		want SMTP
	}{
		{"smtp://mail.example.com", SMTP{Host: "mail.example.com", Port: 587}},
		{"smtp://user:p%40ss@mail.example.com:2525", SMTP{Host: "mail.example.com", Port: 2525, Username: "user", Password: "p@ss"}},
		{"smtps://mail.example.com", SMTP{Host: "mail.example.com", Port: 465, ImplicitTLS: true}},
		{"smtp://127.0.0.1:1025?tls=none", SMTP{Host: "127.0.0.1", Port: 1025, NoTLS: true}},
	}
	for _, tc := range cases {
		got, err := ParseSMTPURL(tc.raw)
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestParseSMTPURLRejectsBrokenSettings(t *testing.T) {
	cases := map[string]string{
		"http://mail.example.com":            "scheme",
		"smtp://":                            "no host",
		"smtp://mail.example.com:99999":      "port",
		"smtp://mail.example.com:25?tls=yes": "tls=",
		"smtp://mail.example.com?starttls=0": "unknown option",
		"smtps://mail.example.com?tls=none":  "always uses TLS",
		"smtp://u:hunter2@mail:25/path":      "path",
		"smtp://u:hunter2@mail:x":            "URL",
	}
	for raw, want := range cases {
		_, err := ParseSMTPURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSMTPURL(%q) error = %v, want one mentioning %q", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseSMTPURL(%q) repeated the password: %v", raw, err)
		}
	}
}

func TestClassify(t *testing.T) {
	if f := classify(errString("dial failed: boom")); f.permanent {
		t.Errorf("an unknown error must be retried")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestUnsubscribeTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := UnsubscribeToken(secret, 42)
	if id, ok := ParseUnsubscribeToken(secret, tok); !ok || id != 42 {
		t.Fatalf("ParseUnsubscribeToken(%q) = %d, %v", tok, id, ok)
	}
	_, sig, _ := strings.Cut(tok, ".")
	for _, bad := range []string{"", "42", "43." + sig, "042." + sig, "-1." + sig, tok + "x", UnsubscribeToken([]byte("another secret another secret xx"), 42)} {
		if _, ok := ParseUnsubscribeToken(secret, bad); ok {
			t.Errorf("token %q was accepted", bad)
		}
	}
}
