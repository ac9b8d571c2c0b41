package main

import (
	"fmt"
	"io"
)

// runRetention is being built.
func runRetention(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "intake retention: not available yet")
	return 2
}
