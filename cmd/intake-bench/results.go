package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Results files are append-only: each run writes a new file and never
// replaces one, so that a result once recorded stays as it was measured.

// resultsName is the file a full run started at start writes under
// bench/results: its UTC minute, e.g. 2026-12-03T0412Z.md.
func resultsName(start time.Time) string {
	return start.UTC().Format("2006-01-02T1504Z") + ".md"
}

// checkOut refuses, before a run that may take half an hour, a results
// file that already exists, and in smoke mode (whose figures mean
// nothing) any file under resultsDir.
func checkOut(path, resultsDir string, smoke bool) error {
	if path == "" {
		return nil
	}
	if smoke && within(path, resultsDir) {
		return fmt.Errorf("-out %s: a smoke run's figures mean nothing, so it writes nowhere under %s", path, resultsDir)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("-out %s: the file exists, and results are never overwritten", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// within reports whether path is dir or lies under it.
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// writeNew writes report to path, which must not exist. With numbered, an
// existing path is not an error: the report goes beside it with the first
// free suffix (name-2.md, name-3.md, …). It returns the path written.
func writeNew(path string, report []byte, numbered bool) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for n := 1; ; n++ {
		try := path
		if n > 1 {
			try = fmt.Sprintf("%s-%d%s", stem, n, ext)
		}
		f, err := os.OpenFile(try, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && numbered {
			continue
		}
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%s exists, and results are never overwritten", try)
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(report); err != nil {
			f.Close()
			return "", err
		}
		return try, f.Close()
	}
}
