package main

import (
	"slices"
	"testing"
)

func TestWithEnvReplacesOrAdds(t *testing.T) {
	base := []string{"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=0", "LOG_LEVEL=warn"}
	got := withEnv(base, "SUBMIT_RATE_LIMIT=100000", "TRUSTED_PROXIES=127.0.0.1")
	want := []string{"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=100000", "LOG_LEVEL=warn", "TRUSTED_PROXIES=127.0.0.1"}
	if !slices.Equal(got, want) {
		t.Errorf("withEnv = %q, want %q", got, want)
	}
	if base[1] != "SUBMIT_RATE_LIMIT=0" {
		t.Errorf("withEnv changed its input: %q", base)
	}
}

func TestProxiedSettingsDifferOnlyInTheLimit(t *testing.T) {
	want := map[string][]string{
		behindProxy.name: {"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=100000", "LOG_LEVEL=warn", "MAIL_WORKERS=0",
			"SMTP_URL=smtp://127.0.0.1:1?tls=none", "TRUSTED_PROXIES=127.0.0.1"},
		behindProxyNoLimit.name: {"SUBMIT_MIN_SECONDS=0", "SUBMIT_RATE_LIMIT=0", "LOG_LEVEL=warn", "MAIL_WORKERS=0",
			"SMTP_URL=smtp://127.0.0.1:1?tls=none", "TRUSTED_PROXIES=127.0.0.1"},
	}
	for _, s := range []settings{behindProxy, behindProxyNoLimit} {
		if !slices.Equal(s.env, want[s.name]) {
			t.Errorf("%s: %q, want %q", s.name, s.env, want[s.name])
		}
	}
}
