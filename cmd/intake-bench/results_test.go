package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestResultsNameIsTheUTCMinuteTheRunStarted(t *testing.T) {
	start := time.Date(2026, 12, 3, 5, 12, 59, 0, time.FixedZone("CET", 3600))
	if got, want := resultsName(start), "2026-12-03T0412Z.md"; got != want {
		t.Errorf("resultsName = %q, want %q", got, want)
	}
}

func TestWriteNewNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "2026-12-03T0412Z.md")

	got, err := writeNew(path, []byte("first"), true)
	if err != nil || got != path {
		t.Fatalf("first write = %q, %v; want %q", got, err, path)
	}
	got, err = writeNew(path, []byte("second"), true)
	if want := filepath.Join(dir, "2026-12-03T0412Z-2.md"); err != nil || got != want {
		t.Fatalf("second write in the same minute = %q, %v; want %q", got, err, want)
	}
	if _, err := writeNew(path, []byte("third"), false); err == nil {
		t.Error("writing over a file named with -out succeeded, want it refused")
	}
	for name, want := range map[string]string{"2026-12-03T0412Z.md": "first", "2026-12-03T0412Z-2.md": "second"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if string(b) != want {
			t.Errorf("%s holds %q, want %q", name, b, want)
		}
	}
}

func TestCheckOut(t *testing.T) {
	root := t.TempDir()
	results := filepath.Join(root, "bench", "results")
	existing := filepath.Join(root, "old.md")
	if err := os.WriteFile(existing, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		smoke bool
		ok    bool
	}{
		{"no file asked for", "", true, true},
		{"a new file, full run", filepath.Join(results, "mine.md"), false, true},
		{"an existing file", existing, false, false},
		{"smoke run into the results", filepath.Join(results, "smoke.md"), true, false},
		{"smoke run into a temporary directory", filepath.Join(root, "smoke.md"), true, true},
	}
	for _, tt := range tests {
		if err := checkOut(tt.path, results, tt.smoke); (err == nil) != tt.ok {
			t.Errorf("%s: checkOut = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
