package export

import (
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// LeadFields is a lead (loaded with models.Store.LeadByID) as the export
// writes it, keyed by Header's names, for a webhook event's body: the same
// columns by the same rules, so the two stay one list. Numbers stay
// numbers and an empty cell is null; text goes as typed, without the
// spreadsheet guard, which is for spreadsheets.
func LeadFields(def *diagnostic.Definition, lead *models.Lead) map[string]any {
	c := models.ExportContactOf(lead, dimensionIDs(def))
	header := Header(def)
	cells := contactCells(&c, make([]cell, 0, len(header)))
	out := make(map[string]any, len(header))
	for i, name := range header {
		switch c := cells[i]; {
		case c.kind == numberKind:
			out[name] = c.n
		case c.s == "":
			out[name] = nil
		default:
			out[name] = c.s
		}
	}
	return out
}
