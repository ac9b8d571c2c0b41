// Package pdftest reads PDFs in tests with poppler's tools (pdftotext,
// pdfinfo, pdftoppm), skipping where poppler is missing and not required.
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
)

// Tool returns the path of one of poppler's tools (pdftotext, pdftoppm,
// pdfinfo), or skips the test where poppler is missing and not required:
// CI and INTAKE_PG_TESTS=required runs require it (.ci/deps.sh installs
// poppler-utils).
func Tool(t *testing.T, tool string) string {
	t.Helper()
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	if os.Getenv("CI") != "" || os.Getenv("INTAKE_PG_TESTS") == "required" {
		t.Fatalf("%s is not installed; .ci/deps.sh installs poppler-utils", tool)
	}
	t.Skipf("%s is not installed (poppler-utils); skipping", tool)
	return ""
}

// pdfFile writes pdf to a temporary file for poppler to read.
func pdfFile(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Text is the PDF's text as pdftotext reads it, in reading order.
func Text(t *testing.T, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdftotext"), "-enc", "UTF-8", pdfFile(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Pages is the page count pdfinfo reads.
func Pages(t *testing.T, pdf []byte) int {
	t.Helper()
	out, err := exec.Command(Tool(t, "pdfinfo"), pdfFile(t, pdf)).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// KeepPNG renders the PDF's first page with pdftoppm and keeps it where the
// browser tests keep their screenshots (SCREENSHOT_DIR, by default
// .cache/screenshots), for people to look at.
func KeepPNG(t *testing.T, pdf []byte, name string) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0) // report/pdftest/pdftest.go
		dir = filepath.Join(filepath.Dir(here), "..", "..", ".cache", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, name)
	cmd := exec.Command(Tool(t, "pdftoppm"), "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdfFile(t, pdf), prefix)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, stderr.String())
	}
	t.Logf("page 1 of the PDF: %s.png", prefix)
}
