package diagnostic

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

func TestShippedConsent(t *testing.T) {
	data, err := os.ReadFile("../content/consent.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConsent(data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version == "" {
		t.Error("version is empty")
	}
	tests := []struct {
		id       string
		required bool
	}{
		{"summary", true},
		{"marketing", false},
	}
	for _, tt := range tests {
		p, ok := c.Purpose(tt.id)
		if !ok {
			t.Errorf("purpose %q missing", tt.id)
			continue
		}
		if p.Required != tt.required {
			t.Errorf("purpose %q required = %v, want %v", tt.id, p.Required, tt.required)
		}
		sum := sha256.Sum256([]byte(p.Label))
		if want := hex.EncodeToString(sum[:]); p.SHA256 != want {
			t.Errorf("purpose %q SHA256 = %s, want %s", tt.id, p.SHA256, want)
		}
	}
	if _, ok := c.Purpose("profiling"); ok {
		t.Error(`Purpose("profiling") found, want not found`)
	}
}

func TestParseConsentRejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"duplicate id", `{"version": "1", "purposes": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]}`, `purpose "a": duplicate id`},
		{"empty id", `{"version": "1", "purposes": [{"id": "", "label": "A"}]}`, "purpose #1: id is empty"},
		{"empty label", `{"version": "1", "purposes": [{"id": "a", "label": " "}]}`, `purpose "a": label is empty`},
		{"no purposes", `{"version": "1", "purposes": []}`, "no purposes"},
		{"no version", `{"purposes": [{"id": "a", "label": "A"}]}`, "version is empty"},
		{"hash supplied by the file", `{"version": "1", "purposes": [{"id": "a", "label": "A", "sha256": "00"}]}`, `unknown field "sha256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConsent([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConsent() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
