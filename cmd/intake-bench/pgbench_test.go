package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

func TestSubmitScriptStoresTheConsentWordingOfContent(t *testing.T) {
	script, err := submitScript()
	if err != nil {
		t.Fatal(err)
	}
	// Written out from content/consent.json, hashed here on its own.
	for _, label := range []string{
		"Store my answers and email me my summary. StellaPop may contact me about this result.",
		"Send me StellaPop’s occasional insights on leadership and management by email. I can unsubscribe at any time.",
	} {
		sum := sha256.Sum256([]byte(label))
		if !strings.Contains(script, "'"+label+"'") {
			t.Errorf("the script does not store the wording %q", label)
		}
		if !strings.Contains(script, "'"+hex.EncodeToString(sum[:])+"'") {
			t.Errorf("the script does not store the hash of %q", label)
		}
	}
}

func TestSubmitScriptFollowsChangedWording(t *testing.T) {
	def := diagnostictest.Shipped(t)
	cons, err := diagnostic.ParseConsent([]byte(`{"version": "2027-01-1", "purposes": [
		{"id": "summary", "required": true, "label": "Keep my answers; it's fine to email me."}]}`))
	if err != nil {
		t.Fatal(err)
	}
	script, err := buildSubmitScript(def, cons)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("Keep my answers; it's fine to email me."))
	for _, want := range []string{
		"'Keep my answers; it''s fine to email me.'", // quoted for SQL
		"'" + hex.EncodeToString(sum[:]) + "'",
		"ARRAY['2027-01-1']::text[]",
		"ARRAY['summary']::text[]",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %s", want)
		}
	}
	if strings.Contains(script, "'marketing'") {
		t.Error("the script still stores a purpose the wording no longer has")
	}
}

func TestSubmitScriptRefusesTextPgbenchWouldRead(t *testing.T) {
	def := diagnostictest.Shipped(t)
	cons, err := diagnostic.ParseConsent([]byte(`{"version": "1", "purposes": [
		{"id": "summary", "required": true, "label": "Email me at :n o'clock."}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildSubmitScript(def, cons); err == nil {
		t.Error("a wording with :n, which pgbench replaces with its variable, was written into the script")
	}
}
