package models_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// inboxDay is the last day of the seeded leads; they go back from it.
var inboxDay = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)

// seedInbox saves 40 leads that vary in every field the inbox filters and
// sorts on, including ties on created_at and on the index, and names with
// LIKE's wildcards in them.
func seedInbox(t *testing.T, store *models.Store) []models.Lead {
	t.Helper()
	ctx := context.Background()
	bands := []string{"leading", "emerging", "managing", "not-leading"}
	campaigns := []string{"spring", "autumn", ""}
	var leads []models.Lead
	for i := range 40 {
		l := models.Lead{
			Name:    fmt.Sprintf("Person %02d", i),
			Email:   fmt.Sprintf("lead%02d@example.com", i),
			Company: "Globex", Role: "Director", DiagnosticVersion: "v1",
			OverallIndex: 90 - (i%10)*9, Band: bands[i%4],
			// Every 13 hours back, so the days have different leads.
			CreatedAt: inboxDay.Add(18*time.Hour - time.Duration(i)*13*time.Hour),
			Source:    models.Source{UTMCampaign: campaigns[i%3], UTMSource: []string{"newsletter", "linkedin"}[i%2]},
		}
		if i%5 == 0 {
			l.Company = "Acme Corp"
		}
		switch i {
		case 7:
			l.Name = "Per_Cent 50% Ltd"
		case 8:
			l.Name = "PerXCent 50 x"
		case 9:
			l.Name = `Back\slash`
		case 11: // ties with 10 on created_at: the id decides
			l.CreatedAt = leads[10].CreatedAt
		case 12: // exactly at midnight, the first instant of its day
			l.CreatedAt = inboxDay.AddDate(0, 0, -7)
		case 13: // the last instant PostgreSQL stores of the day before
			l.CreatedAt = inboxDay.AddDate(0, 0, -7).Add(-time.Microsecond)
		}
		if i%3 == 0 {
			l.Consents = []models.Consent{{Purpose: models.PurposeMarketing, Granted: true, DecidedAt: l.CreatedAt, WordingVersion: "c1", WordingSHA256: "ab", Wording: "Send me insights"}}
		}
		if err := store.SaveLead(ctx, &l); err != nil {
			t.Fatal(err)
		}
		l.Status = models.Statuses[i%len(models.Statuses)]
		setLeadStatus(t, store, l.ID, l.Status)
		leads = append(leads, l)
	}
	// A withdrawn consent is no consent.
	if _, err := store.WithdrawConsent(ctx, leads[3].ID, models.PurposeMarketing, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	leads[3].MarketingOptIn = false
	return leads
}

// setLeadStatus moves a lead in the pipeline behind the store's back: the
// inbox only reads the column.
func setLeadStatus(t *testing.T, store *models.Store, id int64, status string) {
	t.Helper()
	q := "UPDATE leads SET status = $1 WHERE id = $2"
	if store.Dialect() == models.SQLite {
		q = "UPDATE leads SET status = ? WHERE id = ?"
	}
	if _, err := store.SQLDB().ExecContext(context.Background(), q, status, id); err != nil {
		t.Fatal(err)
	}
}

// inboxIDs pages through the inbox with small pages and returns every id
// in order, checking that pages number their rows and never repeat one.
func inboxIDs(t *testing.T, store *models.Store, f models.InboxFilter) []int64 {
	t.Helper()
	f.PageSize = 7
	var ids []int64
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("more pages than leads")
		}
		p, err := store.LeadInbox(context.Background(), f)
		if err != nil {
			t.Fatalf("LeadInbox(%+v): %v", f, err)
		}
		if p.Start != len(ids)+1 {
			t.Errorf("page %d starts at %d, want %d", pages+1, p.Start, len(ids)+1)
		}
		for _, l := range p.Leads {
			if seen[l.ID] {
				t.Fatalf("lead %d shown twice", l.ID)
			}
			seen[l.ID] = true
			ids = append(ids, l.ID)
		}
		if p.Next == nil {
			if p.Total != len(ids) || p.TotalCapped {
				t.Errorf("total = %d (capped %v), want %d", p.Total, p.TotalCapped, len(ids))
			}
			return ids
		}
		// The cursor survives a round trip through a link.
		c, err := models.ParseInboxCursor(p.Next.Token())
		if err != nil {
			t.Fatalf("cursor %q: %v", p.Next.Token(), err)
		}
		f.After = &c
	}
}

// wantIDs is the inbox worked out by hand: the seeded leads that match,
// in the sort's order with ties broken by id.
func wantIDs(leads []models.Lead, sort models.InboxSort, match func(l models.Lead) bool) []int64 {
	var out []models.Lead
	for _, l := range leads {
		if match(l) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b models.Lead) int {
		switch sort {
		case models.InboxOldest:
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		case models.InboxIndexHigh:
			return cmp.Or(cmp.Compare(b.OverallIndex, a.OverallIndex), cmp.Compare(b.ID, a.ID))
		case models.InboxIndexLow:
			return cmp.Or(cmp.Compare(a.OverallIndex, b.OverallIndex), cmp.Compare(a.ID, b.ID))
		}
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	ids := []int64{}
	for _, l := range out {
		ids = append(ids, l.ID)
	}
	return ids
}

func TestLeadInboxFiltersSortsAndPages(t *testing.T) {
	from, before := inboxDay.AddDate(0, 0, -7), inboxDay.AddDate(0, 0, -3)
	all := func(models.Lead) bool { return true }
	haystack := func(l models.Lead) string { return strings.ToLower(l.Name + " " + l.Email + " " + l.Company) }
	cases := []struct {
		name  string
		f     models.InboxFilter
		match func(models.Lead) bool
	}{
		{"everything, newest first", models.InboxFilter{}, all},
		{"oldest first", models.InboxFilter{Sort: models.InboxOldest}, all},
		{"highest index first", models.InboxFilter{Sort: models.InboxIndexHigh}, all},
		{"lowest index first", models.InboxFilter{Sort: models.InboxIndexLow}, all},
		{"status", models.InboxFilter{Status: "qualified"}, func(l models.Lead) bool { return l.Status == "qualified" }},
		{"band", models.InboxFilter{Band: "leading"}, func(l models.Lead) bool { return l.Band == "leading" }},
		{"dates", models.InboxFilter{CreatedFrom: from, CreatedBefore: before}, func(l models.Lead) bool {
			return !l.CreatedAt.Before(from) && l.CreatedAt.Before(before)
		}},
		{"campaign", models.InboxFilter{Campaign: "spring"}, func(l models.Lead) bool { return l.Source.UTMCampaign == "spring" }},
		{"source", models.InboxFilter{Source: "linkedin"}, func(l models.Lead) bool { return l.Source.UTMSource == "linkedin" }},
		{"marketing consent", models.InboxFilter{MarketingOnly: true}, func(l models.Lead) bool { return l.MarketingOptIn }},
		{"search ignores case", models.InboxFilter{Search: "ACME"}, func(l models.Lead) bool { return l.Company == "Acme Corp" }},
		{"search finds email", models.InboxFilter{Search: "lead07@"}, func(l models.Lead) bool { return l.Email == "lead07@example.com" }},
		{"search % is literal", models.InboxFilter{Search: "50%"}, func(l models.Lead) bool { return strings.Contains(l.Name, "50%") }},
		{"search _ is literal", models.InboxFilter{Search: "r_c"}, func(l models.Lead) bool { return strings.Contains(haystack(l), "r_c") }},
		{"search \\ is literal", models.InboxFilter{Search: `k\s`}, func(l models.Lead) bool { return strings.Contains(l.Name, `k\s`) }},
		{"search for nothing", models.InboxFilter{Search: "zzz"}, func(models.Lead) bool { return false }},
		{"combined", models.InboxFilter{Band: "emerging", MarketingOnly: true, Source: "linkedin", Sort: models.InboxIndexLow}, func(l models.Lead) bool {
			return l.Band == "emerging" && l.MarketingOptIn && l.Source.UTMSource == "linkedin"
		}},
		{"combined with search", models.InboxFilter{Search: "acme", Status: "new", Campaign: "spring", Sort: models.InboxOldest}, func(l models.Lead) bool {
			return l.Company == "Acme Corp" && l.Status == "new" && l.Source.UTMCampaign == "spring"
		}},
	}
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			leads := seedInbox(t, store)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					sort := cmp.Or(tc.f.Sort, models.InboxNewest)
					want := wantIDs(leads, sort, tc.match)
					got := inboxIDs(t, store, tc.f)
					if !slices.Equal(got, want) {
						t.Errorf("ids = %v\nwant %v", got, want)
					}
					if tc.name != "search for nothing" && len(want) == 0 {
						t.Error("the seed has no lead for this case")
					}
				})
			}
		})
	}
}

func TestLeadInboxPageAndCount(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			leads := seedInbox(t, store)
			owner, err := store.CreateUser(ctx, "owner@stellapop.example", "Olive Owner", models.RoleConsultant, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			q := "UPDATE leads SET owner_id = $1 WHERE id = $2"
			if dialect == models.SQLite {
				q = "UPDATE leads SET owner_id = ? WHERE id = ?"
			}
			if _, err := store.SQLDB().ExecContext(ctx, q, owner.ID, leads[0].ID); err != nil {
				t.Fatal(err)
			}

			p, err := store.LeadInbox(ctx, models.InboxFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Leads) != models.InboxPageSize || p.Next == nil || p.Total != 40 || p.TotalCapped || p.Start != 1 {
				t.Fatalf("first page: %d leads, next %v, total %d capped %v", len(p.Leads), p.Next, p.Total, p.TotalCapped)
			}
			if p.Leads[0].ID != leads[0].ID || p.Leads[0].Owner == nil || p.Leads[0].Owner.Name != "Olive Owner" || p.Leads[1].Owner != nil {
				t.Errorf("newest lead %d has owner %+v; want lead %d owned by Olive", p.Leads[0].ID, p.Leads[0].Owner, leads[0].ID)
			}
			p, err = store.LeadInbox(ctx, models.InboxFilter{After: p.Next})
			if err != nil || len(p.Leads) != 15 || p.Next != nil || p.Start != 26 || p.Total != 40 {
				t.Errorf("second page: %d leads from %d of %d, next %v, err %v", len(p.Leads), p.Start, p.Total, p.Next, err)
			}

			// Counting stops at the limit, and says so.
			for limit, want := range map[int]struct {
				total  int
				capped bool
			}{5: {5, true}, 39: {39, true}, 40: {40, false}, 41: {40, false}} {
				p, err := store.LeadInbox(ctx, models.InboxFilter{PageSize: 3, CountLimit: limit})
				if err != nil || p.Total != want.total || p.TotalCapped != want.capped {
					t.Errorf("count limit %d: total %d capped %v (%v), want %d %v", limit, p.Total, p.TotalCapped, err, want.total, want.capped)
				}
			}

			// A cursor belongs to its sort.
			byIndex := models.InboxCursor{Sort: models.InboxIndexHigh, Index: 50, ID: 1}
			if _, err := store.LeadInbox(ctx, models.InboxFilter{After: &byIndex}); !errors.Is(err, models.ErrBadCursor) {
				t.Errorf("newest page after an index cursor: err = %v, want ErrBadCursor", err)
			}
		})
	}
}

func TestParseInboxCursor(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	for _, c := range []models.InboxCursor{
		{Sort: models.InboxNewest, CreatedAt: at, ID: 42, Shown: 25},
		{Sort: models.InboxOldest, CreatedAt: at, ID: 1, Shown: 0},
		{Sort: models.InboxIndexLow, Index: 0, ID: 7, Shown: 50},
		{Sort: models.InboxIndexHigh, Index: 100, ID: 9_000_000_000, Shown: 9975},
	} {
		got, err := models.ParseInboxCursor(c.Token())
		if err != nil || got != c {
			t.Errorf("round trip of %+v = %+v, %v", c, got, err)
		}
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, token := range []string{
		"", "!!!", "bmV3ZXN0", b64("newest.1.2"), b64("sideways.1.2.0"), b64("newest.x.2.0"),
		b64("newest.1.0.0"), b64("newest.1.-2.0"), b64("newest.1.2.-1"), b64("index_high.101.2.0"),
		b64("index_low.-1.2.0"), b64("newest.1.2.0.9"), b64("newest.1.2.0' OR 1=1 --"),
	} {
		if _, err := models.ParseInboxCursor(token); !errors.Is(err, models.ErrBadCursor) {
			t.Errorf("ParseInboxCursor(%q) err = %v, want ErrBadCursor", token, err)
		}
	}
}
