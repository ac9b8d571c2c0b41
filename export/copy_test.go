package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// saveLead saves a lead named name whose every other free-text field
// holds text, with two of its three scores, and marketing consent when
// optIn.
func saveLead(t *testing.T, store *models.Store, def *diagnostic.Definition, name, text string, optIn bool) *models.Lead {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	size := 7
	l := &models.Lead{
		Name: name, Email: "ada+" + strconv.Itoa(int(now.UnixNano()%1e9)) + "@example.com", Company: text, Role: text,
		TeamSize: &size, DiagnosticVersion: def.Version, OverallIndex: 64, Band: "emerging", CreatedAt: now,
		Source: models.Source{LandingPage: text, Referrer: text, UTMSource: text, UTMMedium: text, UTMCampaign: text, UTMTerm: text, UTMContent: text},
		Scores: []models.Score{{Dimension: def.Dimensions[0].ID, Position: 1, Score: 80}, {Dimension: def.Dimensions[1].ID, Position: 2, Score: 45}},
		Consents: []models.Consent{
			{Purpose: models.PurposeSummary, Granted: true, DecidedAt: now, WordingVersion: "2026-01", WordingSHA256: "ab", Wording: "Send my summary"},
			{Purpose: models.PurposeMarketing, Granted: optIn, DecidedAt: now, WordingVersion: "2026-01", WordingSHA256: "cd", Wording: "Send me insights"},
		},
	}
	if err := store.SaveLead(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestExportCopyMatchesChunks checks that the CSV export PostgreSQL's COPY
// streams is byte for byte the one the chunked reader writes, on text
// that tests every rule: formulas, quotes, commas, line breaks, tabs,
// backslashes (COPY's escape), leading spaces of every kind, names with
// particles and odd spacing, a missing team size, scores, owner and
// consent, a withdrawn consent and an erased person who came back.
func TestExportCopyMatchesChunks(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	if !store.CanCopyExport() {
		t.Fatal("a PostgreSQL store should export with COPY")
	}
	def := diagnostictest.Shipped(t)
	ctx := context.Background()
	texts := append(append([]string{}, csvCases...), formulaCases...)
	names := []string{"Ludwig van Beethoven", "Mary Ann Smith", "王小明", "  Grace \t Hopper ", "Jean-Luc Picard", "=cmd Ross", "Анна Петрова"}
	var leads []*models.Lead
	for i, text := range texts {
		leads = append(leads, saveLead(t, store, def, names[i%len(names)]+" "+text, text, i%3 != 0))
	}
	owner, err := store.CreateUser(ctx, "owner@stellapop.example", "Owner", models.RoleConsultant, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	db := store.SQLDB()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE leads SET email = 'person' || id || '@example.com'", nil},
		{"UPDATE leads SET owner_id = $1 WHERE id = $2", []any{owner.ID, leads[1].ID}},
		{"UPDATE leads SET team_size = NULL WHERE id = $1", []any{leads[2].ID}},
		{"UPDATE leads SET team_invited = 5, team_answers = 3 WHERE id = $1", []any{leads[3].ID}},
		{"DELETE FROM lead_scores WHERE lead_id = $1", []any{leads[4].ID}},
		{"UPDATE leads SET email = $1 WHERE id = $2", []any{"person" + strconv.FormatInt(leads[7].ID, 10) + "@example.com", leads[8].ID}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	// A time with a fraction of a second: both paths must cut it alike.
	withdrawnAt := time.Date(2026, 2, 3, 4, 5, 6, 789e6, time.UTC)
	if _, err := store.WithdrawConsent(ctx, leads[5].ID, models.PurposeMarketing, withdrawnAt); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EraseLead(ctx, leads[7].ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	for _, f := range []models.ExportFilter{{}, {AllContacts: true}, {AllContacts: true, Band: "emerging", Status: "new", Campaign: `back\slash`}, {From: "2000-01-01", To: time.Now().UTC().Format(time.DateOnly)}} {
		for _, bom := range []bool{false, true} {
			var viaCopy, viaChunks bytes.Buffer
			req := export.Request{Format: export.CSV, ExcelBOM: bom, Filter: f, Actor: "test"}
			var chunks []int64
			req.AfterChunk = func(n int64) error { chunks = append(chunks, n); return nil }
			n, err := export.Write(ctx, store, def, &viaCopy, req)
			if err != nil {
				t.Fatal(err)
			}
			m, err := export.WriteCSVChunks(ctx, store, def, &viaChunks, req)
			if err != nil {
				t.Fatal(err)
			}
			if f == (models.ExportFilter{AllContacts: true}) && (!strings.Contains(viaCopy.String(), ",2026-02-03T04:05:06Z,0,0\n") || !strings.Contains(viaCopy.String(), ",,5,3\n")) {
				t.Errorf("filter %+v: the withdrawn contact's marketing_consent_withdrawn_at or the team's counts are missing:\n%s", f, viaCopy.String())
			}
			if n != m || n == 0 || !bytes.Equal(viaCopy.Bytes(), viaChunks.Bytes()) {
				t.Errorf("filter %+v: COPY wrote %d rows:\n%s\nchunks wrote %d:\n%s", f, n, viaCopy.String(), m, viaChunks.String())
			}
			if bytes.HasPrefix(viaCopy.Bytes(), []byte("\uFEFF")) != bom {
				t.Errorf("filter %+v: byte-order mark %v, want %v", f, !bom, bom)
			}
			if len(chunks) < 1 || chunks[len(chunks)-1] != n {
				t.Errorf("filter %+v: AfterChunk saw %v for %d rows", f, chunks, n)
			}
		}
	}
}

// TestJSONLinesCopyMatchesChunks checks that the API's JSON Lines from
// PostgreSQL's COPY are byte for byte the ones the chunked reader writes,
// that each line is one valid JSON object, and that numbers stay numbers
// and missing values are null on both paths.
func TestJSONLinesCopyMatchesChunks(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	def := diagnostictest.Shipped(t)
	ctx := context.Background()
	texts := append(append([]string{"<b>&amp;</b>", "line\u2028sep", "tab\there", "ctl \x01 char"}, csvCases...), formulaCases...)
	var leads []*models.Lead
	for i, text := range texts {
		leads = append(leads, saveLead(t, store, def, "Mary Ann "+text, text, i%2 == 0))
	}
	if _, err := store.SQLDB().Exec("UPDATE leads SET team_size = NULL WHERE id = $1", leads[1].ID); err != nil {
		t.Fatal(err)
	}
	for _, f := range []models.ExportFilter{{}, {AllContacts: true}} {
		var viaCopy, viaChunks bytes.Buffer
		req := export.Request{Format: export.JSONL, Filter: f, Actor: "test"}
		n, err := export.Write(ctx, store, def, &viaCopy, req)
		if err != nil {
			t.Fatal(err)
		}
		m, err := export.WriteJSONLChunks(ctx, store, def, &viaChunks, req)
		if err != nil {
			t.Fatal(err)
		}
		if n != m || n == 0 || !bytes.Equal(viaCopy.Bytes(), viaChunks.Bytes()) {
			t.Errorf("filter %+v: COPY wrote %d rows:\n%s\nchunks wrote %d:\n%s", f, n, viaCopy.String(), m, viaChunks.String())
		}
		lines := strings.Split(strings.TrimSuffix(viaCopy.String(), "\n"), "\n")
		if int64(len(lines)) != n {
			t.Fatalf("filter %+v: %d lines for %d rows", f, len(lines), n)
		}
		for _, line := range lines {
			var row map[string]any
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("not a JSON object: %v\n%s", err, line)
			}
			if _, ok := row["lead_id"].(float64); !ok {
				t.Errorf("lead_id is %T, want a number: %s", row["lead_id"], line)
			}
			if id := int64(row["lead_id"].(float64)); id == leads[1].ID && row["team_size"] != nil {
				t.Errorf("a missing team size is %v, want null", row["team_size"])
			}
		}
	}
}

func TestAppendJSONStringIsEncodingJSON(t *testing.T) {
	for _, s := range append(append([]string{"", "plain", `q"uote`, `back\slash`, "<>&", "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "Анна", "王小明", "emoji 😀"}, csvCases...), formulaCases...) {
		want, _ := json.Marshal(s)
		if got := export.AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestFailedQuerySendsNothing: an export whose query fails before its
// first row has written nothing, not even the header, so the download
// can still answer with an error page.
func TestFailedQuerySendsNothing(t *testing.T) {
	def := diagnostictest.Shipped(t)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			saveLead(t, store, def, "Ada Lovelace", "Acme", true)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for _, write := range []func(context.Context, *models.Store, *diagnostic.Definition, io.Writer, export.Request) (int64, error){export.WriteCSV, export.WriteCSVChunks} {
				var out bytes.Buffer
				n, err := write(ctx, store, def, &out, export.Request{Format: export.CSV, ExcelBOM: true})
				if err == nil || n != 0 || out.Len() != 0 {
					t.Errorf("cancelled export wrote %d rows, %d bytes, error %v; want none and an error", n, out.Len(), err)
				}
			}
		})
	}
}
