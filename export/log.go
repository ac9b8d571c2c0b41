package export

import (
	"encoding/json"
	"strings"
)

// Summary is a logged export's filters as people read them, for the
// export log: "CSV · band emerging · opted-in contacts only".
func Summary(logged string) string {
	var f logFilters
	if err := json.Unmarshal([]byte(logged), &f); err != nil {
		return logged
	}
	parts := []string{strings.ToUpper(string(f.Format))}
	for _, p := range [][2]string{{"from", f.From}, {"to", f.To}, {"band", f.Band}, {"status", f.Status}, {"campaign", f.Campaign}, {"source", f.Source}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+p[1])
		}
	}
	if f.AllContacts {
		parts = append(parts, "all contacts")
	} else {
		parts = append(parts, "opted-in contacts only")
	}
	return strings.Join(parts, " · ")
}
