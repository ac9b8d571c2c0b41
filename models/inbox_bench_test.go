package models_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// seedMillionSQL writes a million leads in one statement: several bands
// that agree with the index, a skewed pipeline, 20 campaigns, 30% marketing
// opt-in (the search index and every other index in place), two years of dates and a third of leads owned by $1, $2 or $3.
const seedMillionSQL = `
INSERT INTO leads (token, name, email, company, role, diagnostic_version, overall_index, band, status,
	utm_source, utm_medium, utm_campaign, created_at, marketing_opt_in, owner_id)
SELECT 'bench-' || g,
	first || ' ' || last || ' ' || g,
	lower(first) || '.' || lower(last) || g || '@' || (ARRAY['example.com','mail.test','corp.example'])[1 + g % 3],
	(ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark','Wayne','Wonka','Tyrell','Cyberdyne','Soylent','Vandelay'])[1 + (g * 7) % 12]
		|| ' ' || (ARRAY['Ltd','Group','Partners','GmbH'])[1 + g % 4],
	(ARRAY['CEO','Head of Operations','HR Director','Team Lead','COO'])[1 + g % 5],
	'v1', idx,
	CASE WHEN idx >= 80 THEN 'leading' WHEN idx >= 60 THEN 'emerging' WHEN idx >= 40 THEN 'managing' ELSE 'not-leading' END,
	CASE WHEN rs < 0.40 THEN 'new' WHEN rs < 0.60 THEN 'contacted' WHEN rs < 0.75 THEN 'qualified'
		WHEN rs < 0.85 THEN 'proposal' WHEN rs < 0.93 THEN 'won' ELSE 'lost' END,
	(ARRAY['newsletter','linkedin','google','partner',''])[1 + floor(rp * 5)::int],
	'', CASE WHEN rc < 0.05 THEN '' ELSE 'campaign-' || lpad((1 + floor(rc * 20)::int)::text, 2, '0') END,
	now() - rt * interval '730 days',
	rm < 0.3,
	CASE WHEN ro < 0.1 THEN $1::bigint WHEN ro < 0.2 THEN $2::bigint WHEN ro < 0.3 THEN $3::bigint END
FROM (
	SELECT g, floor(random() * 101)::int AS idx, random() AS rs, random() AS rc, random() AS rp, random() AS rt, random() AS rm, random() AS ro,
		(ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken'])[1 + g % 8] AS first,
		(ARRAY['Smith','Jones','Patel','Garcia','Chen','Okafor','Novak'])[1 + (g / 8) % 7] AS last
	FROM generate_series(1, 1000000) AS g
) AS s`

// BenchmarkLeadInbox1M times the inbox's typical queries on a million
// leads and reports their 95th percentile. Seeding takes a while, so it
// runs only with INTAKE_BENCH_1M=1.
func BenchmarkLeadInbox1M(b *testing.B) {
	if os.Getenv("INTAKE_BENCH_1M") != "1" {
		b.Skip("set INTAKE_BENCH_1M=1 to seed a million leads and run this benchmark")
	}
	ctx := context.Background()
	store := modelstest.Open(b, models.Postgres)
	var owners []any
	for _, email := range []string{"a@stellapop.example", "b@stellapop.example", "c@stellapop.example"} {
		u, err := store.CreateUser(ctx, email, "Owner "+email[:1], models.RoleConsultant, "a long enough password")
		if err != nil {
			b.Fatal(err)
		}
		owners = append(owners, u.ID)
	}
	start := time.Now()
	// One connection, so the seed fixes the random data of the insert.
	// VACUUM as well as ANALYZE: autovacuum does both soon after a bulk
	// insert in production, and the visibility map it sets is what lets
	// counts run as index-only scans; a just-loaded table is not how the
	// inbox will find its leads.
	conn, err := store.SQLDB().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"SELECT setseed(0.42)", seedMillionSQL, "VACUUM (ANALYZE) leads"} {
		args := owners
		if q != seedMillionSQL {
			args = nil
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	conn.Close()
	b.Logf("seeded a million leads in %v", time.Since(start).Round(time.Second))

	now := time.Now().UTC()
	queries := []struct {
		name string
		f    models.InboxFilter
	}{
		{"default", models.InboxFilter{}},
		{"search acme", models.InboxFilter{Search: "acme"}},
		{"status", models.InboxFilter{Status: models.StatusWon}},
		{"band", models.InboxFilter{Band: "emerging"}},
		{"dates", models.InboxFilter{CreatedFrom: now.AddDate(0, 0, -90), CreatedBefore: now.AddDate(0, 0, -60)}},
		{"campaign", models.InboxFilter{Campaign: "campaign-07"}},
		{"marketing", models.InboxFilter{MarketingOnly: true}},
		{"by index", models.InboxFilter{Sort: models.InboxIndexHigh}},
		{"second page", models.InboxFilter{}}, // After is set from the first page
		{"combined", models.InboxFilter{Status: models.StatusNew, Band: "leading", Campaign: "campaign-03", MarketingOnly: true, Sort: models.InboxIndexHigh}},
	}
	first, err := store.LeadInbox(ctx, models.InboxFilter{})
	if err != nil || first.Next == nil || !first.TotalCapped {
		b.Fatalf("first page: next %v, capped %v, err %v", first.Next, first.TotalCapped, err)
	}
	queries[8].f.After = first.Next

	b.Run("queries", func(b *testing.B) {
		perQuery := make([][]time.Duration, len(queries))
		var all []time.Duration
		for b.Loop() {
			for i, q := range queries {
				t0 := time.Now()
				if _, err := store.LeadInbox(ctx, q.f); err != nil {
					b.Fatalf("%s: %v", q.name, err)
				}
				d := time.Since(t0)
				perQuery[i] = append(perQuery[i], d)
				all = append(all, d)
			}
		}
		for i, q := range queries {
			b.Logf("%-12s p95 %6.2f ms", q.name, p95ms(perQuery[i]))
		}
		b.ReportMetric(p95ms(all), "p95-ms")
	})
}

// p95ms is the 95th percentile of ds, in milliseconds (nearest rank).
func p95ms(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*95+99)/100 - 1
	return float64(s[max(i, 0)]) / float64(time.Millisecond)
}
