package main

import (
	"fmt"
	"io"
)

// runExport is being built.
func runExport(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "intake export: not available yet")
	return 2
}
