package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// adaFromALink is a lead whose address came in the link she followed, in
// the landing page's query and in two UTM values, and who also sent the
// form a second time, which landed in quarantine.
func adaFromALink(t testing.TB, created time.Time) *models.Lead {
	l := sampleLead(t)
	l.Email = "ada@example.com"
	l.CreatedAt = created
	l.Source = models.Source{
		LandingPage: "https://stellapop.example/leadership?email=ada%40example.com&x=1",
		Referrer:    "https://mail.example/inbox?to=ada@example.com",
		UTMSource:   "newsletter",
		UTMMedium:   "email",
		UTMCampaign: "spring-ada@example.com",
		UTMTerm:     "ada",
		UTMContent:  "ada@example.com",
	}
	return l
}

// adaNeedles are the address as typed and as a link encodes it.
var adaNeedles = []string{"ada@example.com", "ada%40example.com"}

func TestEraseClearsTheAddressFromSourceAndQuarantine(t *testing.T) {
	now := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC)
	ways := []struct {
		name  string
		erase func(t *testing.T, store *models.Store, leadID int64)
	}{
		{"on request", func(t *testing.T, store *models.Store, leadID int64) {
			admin, err := store.CreateUser(context.Background(), "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			if erased, err := store.EraseLead(context.Background(), leadID, admin.ID); err != nil || !erased {
				t.Fatalf("EraseLead = %v, %v; want true, nil", erased, err)
			}
		}},
		{"by retention", func(t *testing.T, store *models.Store, leadID int64) {
			n, err := store.ApplyRetention(context.Background(), models.Retention{Days: 730, Now: now})
			if err != nil || n != 1 {
				t.Fatalf("ApplyRetention = %d, %v; want 1, nil", n, err)
			}
		}},
	}
	for _, dialect := range modelstest.Dialects {
		for _, way := range ways {
			t.Run(dialect+"/"+way.name, func(t *testing.T) {
				ctx := context.Background()
				store := modelstest.Open(t, dialect)
				created := now.AddDate(-3, 0, 0)
				ada := adaFromALink(t, created)
				if err := store.SaveLead(ctx, ada); err != nil {
					t.Fatal(err)
				}
				again := adaFromALink(t, created.Add(time.Hour))
				again.Email = " ADA@Example.com "
				if _, err := store.Quarantine(ctx, again, models.QuarantineTooFast); err != nil {
					t.Fatal(err)
				}
				// Typed with a tab and a line break after it, which SQL's
				// trim() alone would keep.
				typed := adaFromALink(t, created.Add(2*time.Hour))
				typed.Email = "Ada@EXAMPLE.com\t\n"
				if _, err := store.Quarantine(ctx, typed, models.QuarantineTooFast); err != nil {
					t.Fatal(err)
				}
				other := sampleLead(t)
				other.Email, other.CreatedAt = "grace@example.com", created
				if _, err := store.Quarantine(ctx, other, models.QuarantineTooFast); err != nil {
					t.Fatal(err)
				}
				if found := modelstest.FindText(t, store, adaNeedles...); len(found) < 2 { // leads, quarantined_submissions
					t.Fatalf("before erasure the scan finds only %q: it would prove nothing", found)
				}

				way.erase(t, store, ada.ID)

				for _, row := range modelstest.FindText(t, store, adaNeedles...) {
					t.Errorf("the address is left after erasure: %s", row)
				}
				after, err := store.LeadByID(ctx, ada.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := models.Source{
					LandingPage: "https://stellapop.example/leadership",
					UTMSource:   "newsletter",
					UTMMedium:   "email",
				}
				if after.Source != want {
					t.Errorf("source after erasure = %+v, want %+v", after.Source, want)
				}
				list, total, err := store.QuarantineList(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if total != 1 || len(list) != 1 || list[0].Lead.Email != "grace@example.com" {
					t.Errorf("quarantine after erasure holds %d: %+v; want only grace@example.com's", total, list)
				}
			})
		}
	}
}
