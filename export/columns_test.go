package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models/modelstest"
)

func TestHeaderIsDocumented(t *testing.T) {
	want := "lead_id,email,first_name,last_name,company,role,team_size,band,index," +
		"score_develops,score_innovates,score_people,score_vision,score_trust," +
		"marketing_consent_at,consent_wording_version,landing_page,referrer," +
		"utm_source,utm_medium,utm_campaign,utm_term,utm_content,status,owner_email,created_at," +
		"marketing_consent_withdrawn_at,team_invited,team_answers"
	if got := strings.Join(export.Header(diagnostictest.Shipped(t)), ","); got != want {
		t.Errorf("header =\n%s\nwant\n%s", got, want)
	}
}

// TestNamesInTheExport checks first_name and last_name on both ways of
// writing a CSV: the names are split as every greeting splits them.
func TestNamesInTheExport(t *testing.T) {
	names := []struct{ full, first, last string }{
		{"Mary Ann Smith", "Mary Ann", "Smith"},
		{"Ludwig van Beethoven", "Ludwig", "van Beethoven"},
		{"Jean-Luc Picard", "Jean-Luc", "Picard"},
		{"王小明", "王小明", ""},
		{"Анна Петрова", "Анна", "Петрова"},
		{"  Grace \t Hopper ", "Grace", "Hopper"},
		{"=cmd Ross", "'=cmd", "Ross"},
		{"Ada -1", "Ada", "'-1"},
	}
	def := diagnostictest.Shipped(t)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			for _, n := range names {
				saveLead(t, store, def, n.full, "Acme", true)
			}
			var buf bytes.Buffer
			if _, err := export.Write(context.Background(), store, def, &buf, export.Request{Format: export.CSV, Actor: "test"}); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(names)+1 {
				t.Fatalf("%d rows, want %d", len(rows)-1, len(names))
			}
			for i, n := range names {
				if first, last := rows[i+1][2], rows[i+1][3]; first != n.first || last != n.last {
					t.Errorf("%q exported as first_name %q, last_name %q; want %q, %q", n.full, first, last, n.first, n.last)
				}
			}
		})
	}
}
