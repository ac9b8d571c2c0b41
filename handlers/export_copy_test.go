package handlers_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
)

// TestExportCopyMatchesChunks checks that the CSV export PostgreSQL's COPY
// streams is byte for byte the one the chunked reader writes, on text
// that tests every rule: formulas, quotes, commas, line breaks, tabs,
// backslashes (COPY's escape), leading spaces of every kind, a missing
// team size, scores, owner and consent, a withdrawn consent and an erased
// person who came back.
func TestExportCopyMatchesChunks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *site) {
		if s.store.Dialect() != models.Postgres {
			t.Skip("COPY is PostgreSQL's")
		}
		ctx := context.Background()
		texts := append([]string{`back\slash`, `\.`, `\N`, "mid\ttab", "\u00a0nbsp", "\vvtab", " space", "end\\", `"`, "x\r\ny", "a\\nb"}, formulaCases...)
		var leads []*models.Lead
		for i, text := range texts {
			leads = append(leads, s.exportLead(text, i%3 != 0))
		}
		owner := s.newUser(models.RoleConsultant)
		db := s.store.SQLDB()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"UPDATE leads SET email = 'person' || id || '@example.com'", nil},
			{"UPDATE leads SET owner_id = $1 WHERE id = $2", []any{owner.ID, leads[1].ID}},
			{"UPDATE leads SET team_size = NULL WHERE id = $1", []any{leads[2].ID}},
			{"DELETE FROM lead_scores WHERE lead_id = $1", []any{leads[4].ID}},
			{"UPDATE leads SET email = $1 WHERE id = $2", []any{"person" + strconv.FormatInt(leads[7].ID, 10) + "@example.com", leads[8].ID}},
		} {
			if _, err := db.Exec(q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.store.WithdrawConsent(ctx, leads[5].ID, models.PurposeMarketing, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.EraseLead(ctx, leads[7].ID, owner.ID); err != nil {
			t.Fatal(err)
		}
		for _, f := range []models.ExportFilter{{}, {AllContacts: true}, {AllContacts: true, Band: "emerging", Status: "new", Campaign: `back\slash`}, {From: "2000-01-01", To: time.Now().UTC().Format(time.DateOnly)}} {
			var viaCopy, viaChunks bytes.Buffer
			req := handlers.ExportRequest{Format: handlers.FormatCSV, Filter: f, Actor: "test"}
			var chunks []int64
			req.AfterChunk = func(n int64) error { chunks = append(chunks, n); return nil }
			n, err := handlers.WriteExport(ctx, s.store, s.def, &viaCopy, req)
			if err != nil {
				t.Fatal(err)
			}
			m, err := handlers.WriteCSVChunks(ctx, s.store, s.def, &viaChunks, req)
			if err != nil {
				t.Fatal(err)
			}
			if n != m || n == 0 || !bytes.Equal(viaCopy.Bytes(), viaChunks.Bytes()) {
				t.Errorf("filter %+v: COPY wrote %d rows:\n%s\nchunks wrote %d:\n%s", f, n, viaCopy.String(), m, viaChunks.String())
			}
			if len(chunks) < 1 || chunks[len(chunks)-1] != n {
				t.Errorf("filter %+v: AfterChunk saw %v for %d rows", f, chunks, n)
			}
		}
	})
}
