package export

import "strings"

// SafeCell makes text safe to open in a spreadsheet: a value that starts
// with =, +, -, @, tab or carriage return would run as a formula (CSV
// injection), so it gets a leading apostrophe, which spreadsheets show as
// text and people still read. Anything else comes back unchanged.
func SafeCell(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// startsFormula reports whether SafeCell would neutralise s.
func startsFormula(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}
