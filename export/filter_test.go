package export_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// TestParseFilter: what the page and the command line accept, and which
// field each refusal is shown beside.
func TestParseFilter(t *testing.T) {
	def := diagnostictest.Shipped(t)
	for _, tc := range []struct {
		query   string
		want    models.ExportFilter
		refused []string // the fields of the problems, in order
	}{
		{"", models.ExportFilter{}, nil},
		{"from=2026-04-01&to=2026-04-30", models.ExportFilter{From: "2026-04-01", To: "2026-04-30"}, nil},
		{"from=+2026-04-01+", models.ExportFilter{From: "2026-04-01"}, nil},
		{"band=emerging&status=won", models.ExportFilter{Band: "emerging", Status: "won"}, nil},
		{"campaign=+spring+&source=linkedin", models.ExportFilter{Campaign: "spring", Source: "linkedin"}, nil},
		{"campaign=x'+OR+'1'='1", models.ExportFilter{Campaign: "x' OR '1'='1"}, nil},
		{"contacts=all", models.ExportFilter{AllContacts: true}, nil},
		{"contacts=consented&excel=1", models.ExportFilter{}, nil},
		{"excel=0", models.ExportFilter{}, nil},
		{"from=1/4/26", models.ExportFilter{}, []string{"from"}},
		{"from=2026-13-01&to=tomorrow", models.ExportFilter{}, []string{"from", "to"}},
		{"from=2026-04-30&to=2026-04-01", models.ExportFilter{From: "2026-04-30", To: "2026-04-01"}, []string{"to"}},
		{"band=best", models.ExportFilter{}, []string{"band"}},
		{"status=Won", models.ExportFilter{}, []string{"status"}},
		{"campaign=a%00b", models.ExportFilter{}, []string{"campaign"}},
		{"source=%ff", models.ExportFilter{}, []string{"source"}},
		{"campaign=" + strings.Repeat("x", 201), models.ExportFilter{}, []string{"campaign"}},
		{"contacts=everyone", models.ExportFilter{}, []string{"contacts"}},
		{"excel=yes", models.ExportFilter{}, []string{"excel"}},
		{"sort=email", models.ExportFilter{}, []string{""}},
		{"band=emerging&band=leading", models.ExportFilter{Band: "emerging"}, []string{"band"}},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, problems := export.ParseFilter(q, def)
		var fields []string
		for _, p := range problems {
			fields = append(fields, p.Field)
			if p.Message == "" {
				t.Errorf("%q: a problem with no message", tc.query)
			}
		}
		if !slices.Equal(fields, tc.refused) {
			t.Errorf("%q refused %q, want %q: %+v", tc.query, fields, tc.refused, problems)
		}
		if len(tc.refused) == 0 && got != tc.want {
			t.Errorf("%q = %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

// TestQueryReadsBack: a download link's query parses back to its filter.
func TestQueryReadsBack(t *testing.T) {
	def := diagnostictest.Shipped(t)
	for _, f := range []models.ExportFilter{
		{},
		{From: "2026-04-01", To: "2026-04-30", Band: "managing", Status: "new", Campaign: "a&b=c", Source: "Zoë 🚀", AllContacts: true},
	} {
		for _, excel := range []bool{false, true} {
			link := export.Query(f, excel)
			q, err := url.ParseQuery(strings.TrimPrefix(link, "?"))
			if err != nil {
				t.Fatal(err)
			}
			got, problems := export.ParseFilter(q, def)
			if got != f || len(problems) != 0 || (q.Get("excel") == "1") != excel {
				t.Errorf("Query(%+v, %v) = %q reads back as %+v, %+v", f, excel, link, got, problems)
			}
		}
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct{ logged, want string }{
		{`{"format":"csv"}`, "CSV · opted-in contacts only"},
		{`{"format":"xlsx","band":"emerging","campaign":"spring","all_contacts":true}`, "XLSX · band emerging · campaign spring · all contacts"},
		{`not json`, "not json"},
	} {
		if got := export.Summary(tc.logged); got != tc.want {
			t.Errorf("Summary(%s) = %q, want %q", tc.logged, got, tc.want)
		}
	}
}
