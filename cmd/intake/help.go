package main

import (
	"fmt"
	"io"
	"strings"
)

// printHelp writes `intake help`: the commands, then every setting with
// its default and meaning, from the settings table.
func printHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprint(w, "\nSettings (docs/configuration.md has the same list):\n")
	for _, o := range options {
		fmt.Fprintf(w, "\n  %s\n", o.Name)
		fmt.Fprintf(w, "      default: %s\n", plain(o.shownDefault()))
		for _, line := range wrap(plain(o.meaning()), 72) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
	fmt.Fprintf(w, "\n  GOGC, GOMEMLIMIT\n      default: %s\n", plain(gcDefaults))
	for _, line := range wrap(plain(gcMeaning("docs/performance.md")), 72) {
		fmt.Fprintf(w, "      %s\n", line)
	}
}

// printConfigurationDoc writes docs/configuration.md from the settings
// table: `intake help --markdown`.
func printConfigurationDoc(w io.Writer) {
	fmt.Fprint(w, `<!-- Generated from the settings table in cmd/intake/config.go: do not edit.
     Regenerate with: go run ./cmd/intake help --markdown > docs/configuration.md
     (or go generate ./cmd/intake). A test fails while this file is stale. -->

# Configuration

Every setting is an environment variable with a working default. Invalid
values stop the start with a message naming the variable; secrets are never
printed or logged. `+"`intake help`"+` prints the same list.

| Variable | Default | Meaning |
| --- | --- | --- |
`)
	for _, o := range options {
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", o.Name, cell(o.shownDefault()), cell(o.meaning()))
	}
	fmt.Fprintf(w, "| `GOGC`, `GOMEMLIMIT` | %s | %s |\n", cell(gcDefaults), cell(gcMeaning("[Performance](performance.md)")+gcLink))
	fmt.Fprint(w, `
## In tests

Tests also read `+"`TEST_DATABASE_URL`"+` (default
`+"`"+testDatabaseDefault+"`"+`): the server on
which each test creates, and then drops, its own database.
`)
}

// GOGC and GOMEMLIMIT are read by Go itself, not by loadConfig, so they
// are described here rather than in the options table; gc.go sets their
// defaults.
var (
	gcDefaults = fmt.Sprintf("`%d`, `%dMiB` plus %d KiB for each open connection, up to three quarters of a container's memory", defaultGCPercent, defaultMemoryLimit>>20, connectionMemory>>10)
	gcLink     = " [How Go reads them](https://pkg.go.dev/runtime#hdr-Environment_Variables)."
)

// gcMeaning describes GOGC and GOMEMLIMIT, pointing to the performance
// notes at ref.
func gcMeaning(ref string) string {
	return "Go's collector: how far the heap may grow past live data before a collection, " +
		"and a soft limit on the memory the runtime holds, past which it collects sooner. " +
		"The defaults trade a little memory for CPU (see " + ref + "); the default limit leaves room for the memory each open connection holds, so hundreds of visitors at once do not keep the collector running nonstop. " +
		"Either one set here replaces its default (a GOMEMLIMIT set here stays fixed)."
}

// testDatabaseDefault is where the tests find PostgreSQL when
// TEST_DATABASE_URL is unset (models/modelstest; a test checks they agree).
const testDatabaseDefault = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// shownDefault is the default as the help shows it.
func (o option) shownDefault() string {
	if o.Unset != "" {
		return o.Unset
	}
	return "`" + o.Default + "`"
}

// meaning is the help text, saying so when the setting is a secret.
func (o option) meaning() string {
	if o.Secret {
		return o.Help + " Secret: never printed or logged."
	}
	return o.Help
}

// plain drops Markdown's code marks, for a terminal.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// cell makes s safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// wrap breaks s into lines of at most width characters, between words.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}
