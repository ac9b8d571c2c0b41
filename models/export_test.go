package models_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// hostileText is what a visitor may type that a spreadsheet or a CSV
// reader could get wrong: formulas, quoting, line breaks, emoji and
// right-to-left scripts.
var hostileText = []string{
	"=1+1", "+44 20 7946 0958", "-2", "@SUM(A1)", "\tTab", "\rCR",
	`She said "hi", then left`, "line one\nline two", "Zoë 🚀 Team", "شركة النور", "חברת אור",
}

// exportLead saves a lead created at the given time, with marketing
// consent when optIn, after change has adjusted it.
func exportLead(t *testing.T, store *models.Store, created time.Time, optIn bool, change func(*models.Lead)) *models.Lead {
	t.Helper()
	l := sampleLead(t)
	l.CreatedAt = created
	for i := range l.Consents {
		l.Consents[i].DecidedAt = created
		if l.Consents[i].Purpose == models.PurposeMarketing {
			l.Consents[i].Granted = optIn
		}
	}
	if change != nil {
		change(l)
	}
	if err := store.SaveLead(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// exported collects every contact an export with f would write, with
// scores on develops, trust and vision (sampleLead has no vision score).
func exported(t *testing.T, store *models.Store, f models.ExportFilter, chunk int) []models.ExportContact {
	t.Helper()
	var out []models.ExportContact
	n, err := store.ExportContacts(context.Background(), f, []string{"develops", "trust", "vision"}, chunk, func(cs []models.ExportContact) error {
		for _, c := range cs {
			c.Scores = slices.Clone(c.Scores) // the chunk is reused
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ExportContacts(%+v): %v", f, err)
	}
	if n != int64(len(out)) {
		t.Errorf("ExportContacts returned %d, passed %d", n, len(out))
	}
	count, err := store.CountExport(context.Background(), f)
	if err != nil || count != n {
		t.Errorf("CountExport(%+v) = %d, %v; the export wrote %d", f, count, err, n)
	}
	return out
}

func TestExportContactsRoundTrip(t *testing.T) {
	def := diagnostictest.Shipped(t)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
			owner, err := store.CreateUser(ctx, "owner@stellapop.example", "Owner", models.RoleConsultant, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			var saved []*models.Lead
			for i, text := range hostileText {
				saved = append(saved, exportLead(t, store, created.Add(time.Duration(i)*time.Minute), true, func(l *models.Lead) {
					l.Name, l.Company, l.Role = "Ada "+text, text, text
					l.Source = models.Source{LandingPage: text, Referrer: text, UTMSource: text, UTMMedium: text, UTMCampaign: text, UTMTerm: text, UTMContent: text}
					l.TeamSize = nil
				}))
			}
			if err := store.SetLeadOwner(ctx, saved[0].ID, 1, &owner.ID, owner.ID); err != nil {
				t.Fatal(err)
			}

			got := exported(t, store, models.ExportFilter{}, 4) // several chunks, one part full
			if len(got) != len(saved) {
				t.Fatalf("exported %d contacts, want %d", len(got), len(saved))
			}
			for i, c := range got {
				l := saved[i]
				if c.ID != l.ID || c.Name != l.Name || c.Company != l.Company || c.Role != l.Role || c.Email != l.Email || c.Source != l.Source {
					t.Errorf("contact %d = %+v\nwant the lead as saved: %+v", i, c, l)
				}
				if c.TeamSize != nil || c.Index != l.OverallIndex || c.Band != l.Band || !c.CreatedAt.Equal(l.CreatedAt) {
					t.Errorf("contact %d: team %v index %d band %q created %v", i, c.TeamSize, c.Index, c.Band, c.CreatedAt)
				}
				if len(c.Scores) != 3 || c.Scores[0].Int64 != 75 || c.Scores[1].Int64 != 50 || !c.Scores[1].Valid || c.Scores[2].Valid {
					t.Errorf("contact %d scores = %+v", i, c.Scores)
				}
				if c.ConsentAt == nil || !c.ConsentAt.Equal(l.CreatedAt) || c.ConsentVersion != "c1" {
					t.Errorf("contact %d consent = %v %q", i, c.ConsentAt, c.ConsentVersion)
				}
			}
			if got[0].OwnerEmail != owner.Email || got[1].OwnerEmail != "" {
				t.Errorf("owners = %q, %q", got[0].OwnerEmail, got[1].OwnerEmail)
			}

			// The same contacts, out as CSV and back through encoding/csv.
			var buf bytes.Buffer
			n, err := export.Write(ctx, store, def, &buf, export.Request{Format: export.CSV, Actor: "test"})
			if err != nil || n != int64(len(saved)) {
				t.Fatalf("WriteExport = %d, %v", n, err)
			}
			records, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(records[0], export.Header(def)) {
				t.Errorf("header = %q", records[0])
			}
			col := map[string]int{}
			for i, h := range records[0] {
				col[h] = i
			}
			for i, rec := range records[1:] {
				text := hostileText[i]
				first, last := models.SplitName(saved[i].Name)
				if rec[col["first_name"]] != export.SafeCell(first) || rec[col["last_name"]] != export.SafeCell(last) || first+" "+last != strings.Join(strings.Fields(saved[i].Name), " ") {
					t.Errorf("row %d name = %q %q, saved %q", i, rec[col["first_name"]], rec[col["last_name"]], saved[i].Name)
				}
				for _, name := range []string{"company", "role", "landing_page", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"} {
					if rec[col[name]] != export.SafeCell(text) {
						t.Errorf("row %d %s = %q, want %q", i, name, rec[col[name]], export.SafeCell(text))
					}
					if strings.ContainsAny(rec[col[name]][:1], "=+-@\t\r") {
						t.Errorf("row %d %s = %q starts a formula", i, name, rec[col[name]])
					}
				}
				if rec[col["lead_id"]] != strconv.FormatInt(saved[i].ID, 10) || rec[col["score_develops"]] != "75" || rec[col["score_vision"]] != "" {
					t.Errorf("row %d numbers = %q", i, rec)
				}
				if rec[col["created_at"]] != saved[i].CreatedAt.Format(time.RFC3339) || rec[col["marketing_consent_at"]] != saved[i].CreatedAt.Format(time.RFC3339) {
					t.Errorf("row %d times = %q, %q", i, rec[col["created_at"]], rec[col["marketing_consent_at"]])
				}
			}
		})
	}
}

func TestExportFilters(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			day := func(d int) time.Time { return time.Date(2026, 5, d, 12, 0, 0, 0, time.UTC) }
			may1 := exportLead(t, store, day(1), true, nil)
			may2 := exportLead(t, store, day(2), true, func(l *models.Lead) { l.Band, l.Source.UTMCampaign = "leading", "spring" })
			may3 := exportLead(t, store, day(3), true, func(l *models.Lead) { l.Source.UTMCampaign, l.Source.UTMSource = "x' OR '1'='1", "linkedin" })
			never := exportLead(t, store, day(2), false, nil)
			withdrawn := exportLead(t, store, day(2), true, nil)
			erased := exportLead(t, store, day(2), true, func(l *models.Lead) { l.Email = "erase.me@example.com" })
			if _, err := store.WithdrawConsent(ctx, withdrawn.ID, models.PurposeMarketing, day(4)); err != nil {
				t.Fatal(err)
			}
			u, err := store.CreateUser(ctx, "c@stellapop.example", "", models.RoleAdmin, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			// Erased on request, the address is suppressed: when the same
			// person comes back, the new lead is never exported either.
			if _, err := store.EraseLead(ctx, erased.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			exportLead(t, store, day(2), true, func(l *models.Lead) { l.Email = " Erase.Me@Example.com" })
			if err := store.SetLeadStatus(ctx, may1.ID, 1, models.StatusWon, u.ID); err != nil {
				t.Fatal(err)
			}

			ids := func(cs []models.ExportContact) []int64 {
				var out []int64
				for _, c := range cs {
					out = append(out, c.ID)
				}
				return out
			}
			for _, tc := range []struct {
				name string
				f    models.ExportFilter
				want []int64
			}{
				{"opted in and standing, by default", models.ExportFilter{}, []int64{may1.ID, may2.ID, may3.ID}},
				{"everyone but the erased", models.ExportFilter{AllContacts: true}, []int64{may1.ID, may2.ID, may3.ID, never.ID, withdrawn.ID}},
				{"one day", models.ExportFilter{From: "2026-05-02", To: "2026-05-02"}, []int64{may2.ID}},
				{"from", models.ExportFilter{From: "2026-05-02"}, []int64{may2.ID, may3.ID}},
				{"to", models.ExportFilter{To: "2026-05-01"}, []int64{may1.ID}},
				{"band", models.ExportFilter{Band: "leading"}, []int64{may2.ID}},
				{"status", models.ExportFilter{Status: models.StatusWon}, []int64{may1.ID}},
				{"campaign", models.ExportFilter{Campaign: "spring"}, []int64{may2.ID}},
				{"campaign holding SQL, exactly", models.ExportFilter{Campaign: "x' OR '1'='1"}, []int64{may3.ID}},
				{"SQL matches nothing else", models.ExportFilter{Campaign: "' OR 1=1 --"}, nil},
				{"source", models.ExportFilter{Source: "linkedin"}, []int64{may3.ID}},
				{"source is case-sensitive", models.ExportFilter{Source: "LinkedIn"}, nil},
			} {
				if got := ids(exported(t, store, tc.f, 2)); !slices.Equal(got, tc.want) {
					t.Errorf("%s: exported %v, want %v", tc.name, got, tc.want)
				}
			}
			all := exported(t, store, models.ExportFilter{AllContacts: true}, 0)
			for _, c := range all {
				if (c.ID == never.ID || c.ID == withdrawn.ID) && (c.ConsentAt != nil || c.ConsentVersion != "") {
					t.Errorf("contact %d without standing consent shows consent %v %q", c.ID, c.ConsentAt, c.ConsentVersion)
				}
				if c.ID == withdrawn.ID && (c.ConsentWithdrawnAt == nil || !c.ConsentWithdrawnAt.Equal(day(4))) {
					t.Errorf("withdrawn contact shows withdrawn at %v, want %v", c.ConsentWithdrawnAt, day(4))
				}
				if c.ID != withdrawn.ID && c.ConsentWithdrawnAt != nil {
					t.Errorf("contact %d never withdrew but shows withdrawn at %v", c.ID, c.ConsentWithdrawnAt)
				}
			}
			if _, err := store.CountExport(ctx, models.ExportFilter{From: "May 1"}); err == nil {
				t.Error("a malformed day reached the query")
			}
		})
	}
}

func TestExportLog(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			u, err := store.CreateUser(ctx, "mk@stellapop.example", "", models.RoleMarketing, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			base := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			for i := range 12 {
				e := &models.ExportLog{Actor: "cli", Filters: `{"format":"csv"}`, CreatedAt: base.Add(time.Duration(i) * time.Hour)}
				if i == 11 {
					e.ActorID, e.Actor, e.Filters = &u.ID, u.Email, `{"format":"xlsx","band":"leading"}`
				}
				if err := store.LogExport(ctx, e); err != nil {
					t.Fatal(err)
				}
				if err := store.SetExportRowCount(ctx, e.ID, int64(i*100)); err != nil {
					t.Fatal(err)
				}
			}
			recent, err := store.RecentExports(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(recent) != 10 {
				t.Fatalf("recent exports = %d, want 10", len(recent))
			}
			last := recent[0]
			var f map[string]string
			if err := json.Unmarshal([]byte(last.Filters), &f); err != nil || f["band"] != "leading" {
				t.Errorf("filters = %q (%v)", last.Filters, err)
			}
			if last.ActorID == nil || *last.ActorID != u.ID || last.Actor != u.Email || last.RowCount != 1100 || !last.CreatedAt.Equal(base.Add(11*time.Hour)) {
				t.Errorf("newest export = %+v", last)
			}
			if recent[9].RowCount != 200 || recent[9].ActorID != nil {
				t.Errorf("tenth export = %+v", recent[9])
			}
		})
	}
}

func TestExportContactsStopsCleanly(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			for range 7 {
				exportLead(t, store, time.Now().UTC(), true, nil)
			}
			stop := errors.New("the client went away")
			calls := 0
			n, err := store.ExportContacts(context.Background(), models.ExportFilter{}, nil, 2, func([]models.ExportContact) error {
				calls++
				if calls == 2 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) || n != 2 || calls != 2 {
				t.Errorf("stopping in the second chunk: %d contacts, %d calls, %v", n, calls, err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			n, err = store.ExportContacts(ctx, models.ExportFilter{}, nil, 2, func([]models.ExportContact) error { cancel(); return nil })
			if !errors.Is(err, context.Canceled) || n > 4 {
				t.Errorf("cancelled in the first chunk: %d contacts, %v", n, err)
			}
			// The reader has let go of the connection (SQLite has only one).
			if n, err := store.CountExport(context.Background(), models.ExportFilter{}); n != 7 || err != nil {
				t.Errorf("after stopping, count = %d, %v", n, err)
			}
		})
	}
}
