package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestWithdrawnConsentInTheExport: a contact who opted in and then
// unsubscribed is in an admin's all-contacts export with the time they
// withdrew, in CSV and XLSX alike, and not in the consented export at all.
func TestWithdrawnConsentInTheExport(t *testing.T) {
	def := diagnostictest.Shipped(t)
	ctx := context.Background()
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			standing := saveLead(t, store, def, "Ada Lovelace", "Acme", true)
			never := saveLead(t, store, def, "Grace Hopper", "Acme", false)
			withdrawn := saveLead(t, store, def, "Mary Ann Smith", "Acme", true)
			// Seconds, then a fraction the export cuts off as it does every time's.
			at := time.Date(2026, 7, 8, 9, 10, 11, 500e6, time.FixedZone("CEST", 2*3600))
			if _, err := store.WithdrawConsent(ctx, withdrawn.ID, models.PurposeMarketing, at); err != nil {
				t.Fatal(err)
			}
			consentAt := standing.CreatedAt.UTC().Format(time.RFC3339)
			// lead_id → marketing_consent_at, consent_wording_version, marketing_consent_withdrawn_at
			wantAll := map[string][3]string{
				id(standing):  {consentAt, "2026-01", ""},
				id(never):     {"", "", ""},
				id(withdrawn): {"", "", "2026-07-08T07:10:11Z"},
			}
			wantConsented := map[string][3]string{id(standing): {consentAt, "2026-01", ""}}

			for _, tc := range []struct {
				name string
				f    models.ExportFilter
				want map[string][3]string
			}{
				{"all contacts", models.ExportFilter{AllContacts: true}, wantAll},
				{"consented", models.ExportFilter{}, wantConsented},
			} {
				for _, format := range []export.Format{export.CSV, export.XLSX} {
					var buf bytes.Buffer
					if _, err := export.Write(ctx, store, def, &buf, export.Request{Format: format, Filter: tc.f, Actor: "test"}); err != nil {
						t.Fatal(err)
					}
					rows := exportRows(t, format, buf.Bytes())
					got := consentColumns(t, rows)
					if len(got) != len(tc.want) {
						t.Errorf("%s %s: rows %v, want %v", tc.name, format, got, tc.want)
						continue
					}
					for lead, want := range tc.want {
						if got[lead] != want {
							t.Errorf("%s %s: lead %s consent columns %q, want %q", tc.name, format, lead, got[lead], want)
						}
					}
				}
			}
		})
	}
}

func id(l *models.Lead) string { return strconv.FormatInt(l.ID, 10) }

// exportRows reads an export's rows, header first.
func exportRows(t *testing.T, format export.Format, b []byte) [][]string {
	t.Helper()
	if format == export.CSV {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	book, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows("Contacts")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// consentColumns maps each row's lead_id to its marketing_consent_at,
// consent_wording_version and marketing_consent_withdrawn_at.
func consentColumns(t *testing.T, rows [][]string) map[string][3]string {
	t.Helper()
	header := rows[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	out := map[string][3]string{}
	for _, r := range rows[1:] {
		// excelize leaves out empty cells at a row's end.
		r = append(r, make([]string, len(header)-len(r))...)
		out[r[col["lead_id"]]] = [3]string{r[col["marketing_consent_at"]], r[col["consent_wording_version"]], r[col["marketing_consent_withdrawn_at"]]}
	}
	return out
}
