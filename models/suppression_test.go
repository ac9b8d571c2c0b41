package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// suppressionEntries reads the suppression list's stored values, sorted.
func suppressionEntries(t *testing.T, store *models.Store) []string {
	t.Helper()
	rows, err := store.SQLDB().Query("SELECT email_sha256 FROM suppressions ORDER BY email_sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

func TestEraseSuppressesWithAKeyedHash(t *testing.T) {
	const (
		// HMAC-SHA256 of "ada@example.com" under the key derived from
		// modelstest.Secret.
		adaKeyed = "743df19fe552d2282d31915df60cdc4e519085bd9f9d2092bc7f3909d614d55e"
		// SHA-256 of "ada@example.com": anyone can compute it from a guess.
		adaPlain = "b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72"
		// SHA-256 of "old@example.com", as entries were written before the
		// list was keyed.
		oldPlain = "7eaa9a1d93cc8e36287f79472892b6aa024d9cebefe3669644de33a5354a29b8"
		// HMAC-SHA256 of "old@example.com" under the same key.
		oldKeyed = "60800d9f45a67dc6123e3d81af20c3a568c10da10c45cd13c4ffeede0408b8d1"
	)
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			admin, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			ada := sampleLead(t)
			ada.Email = "ada@example.com"
			if err := store.SaveLead(ctx, ada); err != nil {
				t.Fatal(err)
			}
			if _, err := store.EraseLead(ctx, ada.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			if got := suppressionEntries(t, store); len(got) != 1 || got[0] != adaKeyed {
				t.Errorf("suppressions = %q, want only %s (never the plain SHA-256 %s)", got, adaKeyed, adaPlain)
			}

			// Ada comes back, from another lead: still never exported.
			back := sampleLead(t)
			back.Email = " ADA@Example.com"
			back.Consents[1].Granted = true
			if err := store.SaveLead(ctx, back); err != nil {
				t.Fatal(err)
			}
			if ok, err := store.IsSuppressed(ctx, back.Email); err != nil || !ok {
				t.Errorf("IsSuppressed(%q) = %v, %v; want true", back.Email, ok, err)
			}
			if n, err := store.CountExport(ctx, models.ExportFilter{AllContacts: true}); err != nil || n != 0 {
				t.Errorf("CountExport = %d, %v; want 0: the returning address is suppressed", n, err)
			}

			// An entry from before the list was keyed still suppresses.
			_, err = store.SQLDB().Exec("INSERT INTO suppressions (email_sha256, created_at) VALUES ($1, $2)", oldPlain, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := store.IsSuppressed(ctx, "Old@Example.com "); err != nil || !ok {
				t.Errorf("IsSuppressed(an address with an old entry) = %v, %v; want true", ok, err)
			}
			list, err := store.SuppressionList(ctx)
			if err != nil || !list.Has("old@example.com") || !list.Has("ada@example.com") || list.Has("grace@example.com") {
				t.Errorf("SuppressionList = %+v, %v; want old@ and ada@ on it and grace@ not", list, err)
			}
			old := sampleLead(t)
			old.Email = "old@example.com"
			if err := store.SaveLead(ctx, old); err != nil {
				t.Fatal(err)
			}
			if n, err := store.CountExport(ctx, models.ExportFilter{AllContacts: true}); err != nil || n != 0 {
				t.Errorf("CountExport = %d, %v; want 0: the old entry suppresses too", n, err)
			}

			// Erasing the address again replaces its old entry with a keyed one.
			if _, err := store.EraseLead(ctx, old.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			if got := suppressionEntries(t, store); len(got) != 2 || got[0] != oldKeyed || got[1] != adaKeyed {
				t.Errorf("suppressions = %q, want %s and %s", got, oldKeyed, adaKeyed)
			}
			if ok, err := store.IsSuppressed(ctx, "old@example.com"); err != nil || !ok {
				t.Errorf("IsSuppressed(old@example.com) after its entry was rekeyed = %v, %v; want true", ok, err)
			}
		})
	}
}

func TestSuppressionNeedsTheKey(t *testing.T) {
	ctx := context.Background()
	store, err := models.Open(ctx, "", t.TempDir(), models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	lead := sampleLead(t)
	if err := store.SaveLead(ctx, lead); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EraseLead(ctx, lead.ID, 1); !errors.Is(err, models.ErrNoSuppressionKey) {
		t.Errorf("EraseLead without the key: %v, want ErrNoSuppressionKey", err)
	}
	if _, err := store.IsSuppressed(ctx, lead.Email); !errors.Is(err, models.ErrNoSuppressionKey) {
		t.Errorf("IsSuppressed without the key: %v, want ErrNoSuppressionKey", err)
	}
	if _, err := store.CountExport(ctx, models.ExportFilter{AllContacts: true}); !errors.Is(err, models.ErrNoSuppressionKey) {
		t.Errorf("CountExport without the key: %v, want ErrNoSuppressionKey", err)
	}
}
