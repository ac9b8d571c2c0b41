package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// formulaCases are values a spreadsheet would run, or that a CSV reader
// must carry intact, one a lead, through the download.
var formulaCases = []string{
	"=1+1", "+44 20 7946 0958", "-2", "@SUM(A1)", "\tTab", "\rCR",
	`=HYPERLINK("http://evil.example","click")`, "'already quoted", "plain", "",
	`She said "hi", then left`, "a,b", "line one\nline two", "Zoë 🚀", "شركة النور", "חברת אור", "1+1", " =leading space",
}

// exportLead saves a lead whose every free-text field holds text, with
// marketing consent when optIn.
func (s *site) exportLead(text string, optIn bool) *models.Lead {
	s.t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	size := 7
	l := &models.Lead{
		Name: "Ada " + text, Email: "ada+" + strconv.Itoa(int(now.UnixNano()%1e9)) + "@example.com", Company: text, Role: text,
		TeamSize: &size, DiagnosticVersion: s.def.Version, OverallIndex: 64, Band: "emerging", CreatedAt: now,
		Source: models.Source{LandingPage: text, Referrer: text, UTMSource: text, UTMMedium: text, UTMCampaign: text, UTMTerm: text, UTMContent: text},
		Scores: []models.Score{{Dimension: s.def.Dimensions[0].ID, Position: 1, Score: 80}, {Dimension: s.def.Dimensions[1].ID, Position: 2, Score: 45}},
		Consents: []models.Consent{
			{Purpose: models.PurposeSummary, Granted: true, DecidedAt: now, WordingVersion: "2026-01", WordingSHA256: "ab", Wording: "Send my summary"},
			{Purpose: models.PurposeMarketing, Granted: optIn, DecidedAt: now, WordingVersion: "2026-01", WordingSHA256: "cd", Wording: "Send me insights"},
		},
	}
	if err := s.store.SaveLead(context.Background(), l); err != nil {
		s.t.Fatal(err)
	}
	return l
}

// exportCSV downloads the CSV for query and reads it back.
func (s *site) exportCSV(query string) (response, [][]string) {
	s.t.Helper()
	r := s.get("/admin/export.csv" + query)
	if r.status != http.StatusOK {
		s.t.Fatalf("GET /admin/export.csv%s = %d:\n%s", query, r.status, r.body)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF"))).ReadAll()
	if err != nil {
		s.t.Fatalf("read the CSV back: %v", err)
	}
	if !slices.Equal(records[0], export.Header(s.def)) {
		s.t.Fatalf("header = %q", records[0])
	}
	return r, records
}

// emails is the email column of an export's rows.
func emails(records [][]string) []string {
	var out []string
	for _, rec := range records[1:] {
		out = append(out, rec[1])
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		var saved []*models.Lead
		for _, text := range formulaCases {
			saved = append(saved, s.exportLead(text, true))
		}
		s.signIn(models.RoleMarketing)

		r, records := s.exportCSV("")
		today := time.Now().UTC().Format(time.DateOnly)
		if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="stellapop-contacts-`+today+`.csv"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("headers = %v", r.header)
		}
		if strings.HasPrefix(r.body, "\uFEFF") {
			t.Error("a plain CSV starts with a byte-order mark")
		}
		if len(records) != len(saved)+1 {
			t.Fatalf("%d rows, want %d", len(records)-1, len(saved))
		}
		checkExportRows(t, s, saved, records)

		excel := s.get("/admin/export.csv?excel=1")
		if !strings.HasPrefix(excel.body, "\uFEFF") || strings.TrimPrefix(excel.body, "\uFEFF") != r.body {
			t.Error("excel=1 must add a UTF-8 byte-order mark and nothing else")
		}

		x := s.get("/admin/export.xlsx")
		if x.status != http.StatusOK || x.header.Get("Content-Disposition") != `attachment; filename="stellapop-contacts-`+today+`.xlsx"` {
			t.Fatalf("GET /admin/export.xlsx = %d %v", x.status, x.header)
		}
		book, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		rows, err := book.GetRows("Contacts")
		if err != nil {
			t.Fatal(err)
		}
		width := len(export.Header(s.def))
		for i := range rows {
			for len(rows[i]) < width { // trailing empty cells are not stored
				rows[i] = append(rows[i], "")
			}
		}
		if !slices.Equal(rows[0], export.Header(s.def)) {
			t.Fatalf("XLSX header = %q", rows[0])
		}
		checkExportRows(t, s, saved, rows)
		for _, cell := range []string{"A2", "I2", "J2"} { // lead_id, index, a score
			if typ, _ := book.GetCellType("Contacts", cell); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
				t.Errorf("XLSX %s is text, want a number", cell)
			}
		}
	})
}

// checkExportRows checks each row against the lead saved for it: text
// intact behind an apostrophe where it would start a formula, and never a
// formula left.
func checkExportRows(t *testing.T, s *site, saved []*models.Lead, rows [][]string) {
	t.Helper()
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, rec := range rows[1:] {
		l := saved[i]
		text := formulaCases[i]
		first, last := models.SplitName(l.Name)
		want := map[string]string{
			"lead_id": strconv.FormatInt(l.ID, 10), "email": l.Email, "first_name": first, "last_name": export.SafeCell(last),
			"company": export.SafeCell(text), "role": export.SafeCell(text), "team_size": "7", "band": "emerging", "index": "64",
			"score_" + s.def.Dimensions[0].ID: "80", "score_" + s.def.Dimensions[1].ID: "45", "score_" + s.def.Dimensions[2].ID: "",
			"marketing_consent_at": l.CreatedAt.Format(time.RFC3339), "consent_wording_version": "2026-01",
			"landing_page": export.SafeCell(text), "referrer": export.SafeCell(text), "utm_source": export.SafeCell(text),
			"utm_medium": export.SafeCell(text), "utm_campaign": export.SafeCell(text), "utm_term": export.SafeCell(text),
			"utm_content": export.SafeCell(text), "status": "new", "owner_email": "", "created_at": l.CreatedAt.Format(time.RFC3339),
		}
		for name, w := range want {
			if rec[col[name]] != w {
				t.Errorf("row %d (%q) %s = %q, want %q", i, text, name, rec[col[name]], w)
			}
		}
		for j, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %d %s = %q would run as a formula", i, rows[0][j], cell)
			}
		}
	}
}

func TestExportConsent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		in := s.exportLead("Opted In", true)
		leaving := s.exportLead("Leaving Soon", true)
		out := s.exportLead("Never Asked", false)
		s.signIn(models.RoleMarketing)

		if _, records := s.exportCSV(""); !slices.Equal(emails(records), []string{in.Email, leaving.Email}) {
			t.Fatalf("default export = %q, want the two opted-in contacts", emails(records))
		}
		if page := s.get("/admin/export"); !strings.Contains(page.body, "<strong>2</strong> contacts match") {
			t.Errorf("the page should count 2 contacts:\n%s", page.body)
		}

		// The unsubscribe link withdraws consent: gone from the next export.
		if r := s.postRaw("/unsubscribe/"+mail.UnsubscribeToken(testSecret, leaving.ID), ""); r.status != http.StatusOK {
			t.Fatalf("unsubscribe = %d", r.status)
		}
		if _, records := s.exportCSV(""); !slices.Equal(emails(records), []string{in.Email}) {
			t.Errorf("after unsubscribing = %q, want only %s", emails(records), in.Email)
		}

		// Marketing cannot include everyone: the flag is set aside, with a notice.
		page := s.get("/admin/export?contacts=all")
		if page.status != http.StatusOK || !strings.Contains(page.body, "Only admins can export contacts who have not opted in") ||
			!strings.Contains(page.body, "<strong>1</strong> contact matches") || strings.Contains(page.body, "contacts=all") {
			t.Errorf("marketing asking for everyone: %d\n%s", page.status, page.body)
		}
		if _, records := s.exportCSV("?contacts=all"); !slices.Equal(emails(records), []string{in.Email}) {
			t.Errorf("marketing's contacts=all download = %q, want only %s", emails(records), in.Email)
		}

		// An admin may.
		s.signOut()
		s.signIn(models.RoleAdmin)
		if page := s.get("/admin/export"); !strings.Contains(page.body, `value="all"`) {
			t.Error("an admin should be offered everyone")
		}
		if page := s.get("/admin/export?contacts=all"); !strings.Contains(page.body, "<strong>3</strong> contacts match") || strings.Contains(page.body, "Only admins") {
			t.Errorf("admin asking for everyone:\n%s", page.body)
		}
		if _, records := s.exportCSV("?contacts=all"); !slices.Equal(emails(records), []string{in.Email, leaving.Email, out.Email}) {
			t.Errorf("admin's everyone = %q", emails(records))
		}
	})
}

func TestExportAccess(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		paths := []string{"/admin/export", "/admin/export.csv", "/admin/export.xlsx"}
		for _, p := range paths {
			if r := s.get(p); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login?next="+url.QueryEscape(p) {
				t.Errorf("anonymous GET %s = %d %s, want sent to sign in", p, r.status, r.header.Get("Location"))
			}
		}
		s.signIn(models.RoleConsultant)
		for _, p := range paths {
			if r := s.get(p); r.status != http.StatusForbidden {
				t.Errorf("consultant GET %s = %d, want 403", p, r.status)
			}
		}
		s.signOut()
		s.signIn(models.RoleMarketing)
		for _, p := range paths {
			if r := s.get(p); r.status != http.StatusOK {
				t.Errorf("marketing GET %s = %d, want 200", p, r.status)
			}
		}
		if page := s.get("/admin/export"); !strings.Contains(page.body, "No contacts match these filters") || strings.Contains(page.body, `value="all"`) {
			t.Errorf("marketing's empty export page:\n%s", page.body)
		}
	})
}

func TestExportRefusesHostileFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		lead := s.exportLead("Someone", true)
		s.signIn(models.RoleAdmin)
		for _, tc := range []struct {
			query url.Values
			says  string
		}{
			{url.Values{"evil": {"1"}}, "“evil” is not something an export can be filtered by"},
			{url.Values{"from": {"2026-02-30"}}, "From date “2026-02-30” is not a date"},
			{url.Values{"to": {"yesterday"}}, "To date “yesterday” is not a date"},
			{url.Values{"from": {"2026-05-02"}, "to": {"2026-05-01"}}, "The to date is before the from date"},
			{url.Values{"band": {"' OR 1=1 --"}}, "Band “' OR 1=1 --” is not one of"},
			{url.Values{"status": {"won;DROP TABLE leads"}}, "Status “won;DROP TABLE leads” is not one of"},
			{url.Values{"band": {"leading", "emerging"}}, "Give one band, not 2"},
			{url.Values{"contacts": {"some"}}, "Contacts must be “consented” or “all”"},
			{url.Values{"campaign": {strings.Repeat("x", 201)}}, "Campaign is longer than 200 characters"},
			{url.Values{"source": {"bad\xffbyte"}}, "Source holds characters that cannot be stored"},
		} {
			for _, p := range []string{"/admin/export", "/admin/export.csv", "/admin/export.xlsx"} {
				r := s.get(p + "?" + strings.ReplaceAll(tc.query.Encode(), "%5Cxff", "%FF"))
				if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, htmlEscape(tc.says)) {
					t.Errorf("GET %s%s = %d, want 422 saying %q:\n%s", p, tc.query, r.status, tc.says, r.body)
				}
				if r.header.Get("Content-Disposition") != "" || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
					t.Errorf("GET %s%s sent a file for refused filters", p, tc.query)
				}
			}
		}
		// SQL in an exact match is just text that matches nothing.
		q := "?campaign=" + url.QueryEscape("' OR '1'='1")
		if page := s.get("/admin/export" + q); page.status != http.StatusOK || !strings.Contains(page.body, "No contacts match these filters") {
			t.Errorf("campaign holding SQL: %d\n%s", page.status, page.body)
		}
		if _, records := s.exportCSV(q); len(records) != 1 {
			t.Errorf("campaign holding SQL exported %d rows, want the header only", len(records)-1)
		}
		if n, _ := s.store.CountExport(context.Background(), models.ExportFilter{}); n != 1 || lead.ID == 0 {
			t.Errorf("the lead should still be there: %d", n)
		}
	})
}

func TestExportIsAudited(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		s.exportLead("One", true)
		s.exportLead("Two", true)
		s.exportLead("Three", false)
		u := s.signIn(models.RoleAdmin)
		s.exportCSV("?band=emerging&contacts=all")

		recent, err := s.store.RecentExports(context.Background(), 10)
		if err != nil || len(recent) != 1 {
			t.Fatalf("recent exports = %v, %v", recent, err)
		}
		e := recent[0]
		if e.ActorID == nil || *e.ActorID != u.ID || e.Actor != u.Email || e.RowCount != 3 || time.Since(e.CreatedAt) > time.Minute {
			t.Errorf("audit row = %+v", e)
		}
		var f map[string]any
		if err := json.Unmarshal([]byte(e.Filters), &f); err != nil || f["format"] != "csv" || f["band"] != "emerging" || f["all_contacts"] != true || len(f) != 3 {
			t.Errorf("filters = %s (%v)", e.Filters, err)
		}

		if x := s.get("/admin/export.xlsx?status=new"); x.status != http.StatusOK {
			t.Fatalf("xlsx = %d", x.status)
		}
		page := s.get("/admin/export")
		for _, want := range []string{"Recent exports", u.Email, "CSV · band emerging · all contacts", "XLSX · status new · opted-in contacts only"} {
			if !strings.Contains(page.body, htmlEscape(want)) {
				t.Errorf("the export page lacks %q:\n%s", want, page.body)
			}
		}
		if !strings.Contains(page.body, `<th scope="col">By</th>`) {
			t.Error("the log's column headers need a scope")
		}
	})
}
