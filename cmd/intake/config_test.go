package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL.String() != "http://127.0.0.1:8080" || c.DataDir != "data" ||
		c.DatabaseURL != "" || c.DatabaseMaxConn != 10 || c.BodyLimit != "64K" || c.LogFormat != "text" ||
		c.BenchmarkMinLeads != 100 {
		t.Errorf("defaults = %+v", c)
	}
	c, err = loadConfig(env("INTAKE_ADDR", ":9000", "BASE_URL", "https://intake.example.com/"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.BaseURL.String() != "https://intake.example.com" {
		t.Errorf("addr %q base %q", c.Addr, c.BaseURL)
	}
	if c, _ := loadConfig(env("INTAKE_ADDR", "0.0.0.0:8080")); c.BaseURL.String() != "http://localhost:8080" {
		t.Errorf("BASE_URL from 0.0.0.0 = %q, want http://localhost:8080", c.BaseURL)
	}
}

func TestConfigRejectsBadSettings(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"INTAKE_ADDR", "localhost", "want host:port"},
		{"INTAKE_ADDR", "127.0.0.1:http", "is not a number"},
		{"METRICS_ADDR", "9090", "want host:port"},
		{"BASE_URL", "intake.example.com", "absolute http or https URL"},
		{"BASE_URL", "https://example.com/intake", "root of its host"},
		{"DATABASE_URL", "mysql://root@localhost/intake", "want a postgres:// URL"},
		{"DATABASE_MAX_CONNS", "0", "from 1 to 1000"},
		{"INTAKE_SECRET", "short", "at least 32 characters"},
		{"BOOKING_URL", "javascript:alert(1)", "https:// or mailto:"},
		{"BODY_LIMIT", "lots", "size such as 64K"},
		{"SHUTDOWN_TIMEOUT", "soon", "duration"},
		{"LOG_LEVEL", "chatty", "LOG_LEVEL"},
		{"LOG_FORMAT", "xml", "text or json"},
		{"INTAKE_DATA_DIR", " ", "blank"},
		{"EMBED_ORIGINS", "http://www.example.com", "use https://"},
		{"EMBED_ORIGINS", "https://www.example.com/page", "remove the path"},
		{"EMBED_ORIGINS", "https://*.example.com", "no wildcard"},
		{"TEAM_MIN_ANSWERS", "2", "from 3 to 50"},
		{"INVITE_RATE_LIMIT", "-1", "from 0 to 100000"},
		{"BENCHMARK_MIN_LEADS", "-1", "from 0 to 1000000"},
		{"BENCHMARK_MIN_LEADS", "many", "from 0 to 1000000"},
	}
	for _, tc := range cases {
		_, err := loadConfig(env(tc.name, tc.value))
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: error %v, want one naming the variable and saying %q", tc.name, tc.value, err, tc.want)
		}
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	_, err := loadConfig(env("DATABASE_URL", "mysql://root:hunter2@db/x", "INTAKE_SECRET", "hunter3"))
	if err == nil {
		t.Fatal("want errors")
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hunter3") {
		t.Errorf("a secret leaked into the message: %v", err)
	}
	if !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "INTAKE_SECRET") {
		t.Errorf("every bad setting should be reported at once: %v", err)
	}
}

func TestSecretIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c, _ := loadConfig(env("INTAKE_DATA_DIR", dir))
	if err := c.ensureSecret(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v, mode %v; want a file readable by its owner only", err, info.Mode())
	}
	again, _ := loadConfig(env("INTAKE_DATA_DIR", dir))
	if err := again.ensureSecret(); err != nil || string(again.Secret) != string(c.Secret) || len(c.Secret) < 32 {
		t.Errorf("the secret changed between starts or is too short")
	}
}
