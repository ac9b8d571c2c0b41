package models_test

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// seedExportSQL writes a million leads in one statement, every free-text
// column filled and some of it formula-like, so the export does all of its
// work: a third owned by $1, 30% opted in to marketing.
const seedExportSQL = `
INSERT INTO leads (token, name, email, company, role, team_size, diagnostic_version, overall_index, band, status,
	landing_page, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content, created_at, marketing_opt_in, owner_id)
SELECT 'export-' || g,
	(ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Zoë'])[1 + g % 8] || ' ' ||
		(ARRAY['Smith','Jones','Patel','García','Chen','Okafor','النور'])[1 + (g / 8) % 7],
	'person' || g || '@example.com',
	(ARRAY['Acme Ltd','=Globex','+44 Initech','Umbrella, "Corp"'])[1 + g % 4],
	(ARRAY['CEO','Head of Operations','-Team Lead','@COO'])[1 + g % 4],
	CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 200 END,
	'v1', g % 101,
	CASE WHEN g % 101 >= 80 THEN 'leading' WHEN g % 101 >= 60 THEN 'emerging' WHEN g % 101 >= 40 THEN 'managing' ELSE 'not-leading' END,
	(ARRAY['new','contacted','qualified','proposal','won','lost'])[1 + g % 6],
	'/articles/leadership-vs-management', 'https://www.linkedin.com/feed/',
	'newsletter', 'email', 'campaign-' || (g % 20), 'leadership', 'hero-cta',
	now() - (g % 730) * interval '1 day',
	g % 10 < 3,
	CASE WHEN g % 3 = 0 THEN $1::bigint END
FROM generate_series(1, 1000000) AS g`

// seedExportScoresSQL gives every lead a score on each dimension of $1.
const seedExportScoresSQL = `
INSERT INTO lead_scores (lead_id, dimension, position, score)
SELECT l.id, d.id, d.position, (l.id * d.position * 37) % 101
FROM leads l CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS d(id, position)`

// seedExportConsentsSQL records the consent of the leads that opted in.
const seedExportConsentsSQL = `
INSERT INTO lead_consents (lead_id, purpose, granted, decided_at, wording_version, wording_sha256, wording)
SELECT id, 'marketing', true, created_at, '2026-01', 'x', 'Send me insights' FROM leads WHERE marketing_opt_in`

// BenchmarkExportCSV1M exports a million contacts as CSV, through the
// code the download and the command line use, into io.Discard. It reports
// rows per second and the peak growth of the heap during the export,
// sampled every few milliseconds: it must stay a few MB, since the export
// holds one chunk at a time. Seeding takes a while, so it runs only with
// INTAKE_BENCH_1M=1.
func BenchmarkExportCSV1M(b *testing.B) {
	if os.Getenv("INTAKE_BENCH_1M") != "1" {
		b.Skip("set INTAKE_BENCH_1M=1 to seed a million leads and run this benchmark")
	}
	ctx := context.Background()
	def := diagnostictest.Shipped(b)
	store := modelstest.Open(b, models.Postgres)
	owner, err := store.CreateUser(ctx, "owner@stellapop.example", "Owner", models.RoleConsultant, "a long enough password")
	if err != nil {
		b.Fatal(err)
	}
	dims := make([]string, len(def.Dimensions))
	for i, d := range def.Dimensions {
		dims[i] = d.ID
	}
	start := time.Now()
	for _, step := range []struct {
		sql  string
		args []any
	}{{seedExportSQL, []any{owner.ID}}, {seedExportScoresSQL, []any{dims}}, {seedExportConsentsSQL, nil}, {"VACUUM (ANALYZE)", nil}} {
		if _, err := store.SQLDB().ExecContext(ctx, step.sql, step.args...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded a million leads with %d scores each in %v", len(dims), time.Since(start).Round(time.Second))

	req := export.Request{Format: export.CSV, Filter: models.ExportFilter{AllContacts: true}, Actor: "bench"}
	var rows int64
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		var sampled sync.WaitGroup
		sampled.Go(func() {
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > base.HeapAlloc {
						peak = max(peak, m.HeapAlloc-base.HeapAlloc)
					}
				}
			}
		})
		n, err := export.Write(ctx, store, def, io.Discard, req)
		close(stop)
		sampled.Wait()
		if err != nil || n != 1_000_000 {
			b.Fatalf("exported %d rows: %v", n, err)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}
