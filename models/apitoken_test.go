package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestAPITokenLifecycle: a token is shown once, stored as a hash, works
// until it expires or is revoked, and is revoked with its user's role
// change or disabling.
func TestAPITokenLifecycle(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			newUser := func(email, role string) *models.User {
				u, err := store.CreateUser(ctx, email, "", role, "a long enough password")
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			dana := newUser("dana@stellapop.example", models.RoleConsultant)
			now := time.Now()

			tok, secret, err := store.CreateAPIToken(ctx, dana.ID, "CRM sync", []string{models.ScopeLeadsWrite, models.ScopeLeadsRead, models.ScopeLeadsRead}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "itk_") || !models.WellFormedAPIToken(secret) {
				t.Errorf("token %q is not itk_ and well formed", secret)
			}
			if tok.Scopes != "leads:read,leads:write" {
				t.Errorf("scopes %q, want each once in order", tok.Scopes)
			}
			if d := tok.ExpiresAt.Sub(now); d < 89*24*time.Hour || d > 91*24*time.Hour {
				t.Errorf("default expiry in %v, want 90 days", d)
			}
			if found := modelstest.FindText(t, store, secret); len(found) > 0 {
				t.Errorf("the token itself is stored: %v", found)
			}

			got, err := store.APITokenByToken(ctx, secret, now)
			if err != nil || got.ID != tok.ID || got.User.ID != dana.ID || got.LastUsedAt == nil {
				t.Fatalf("look up: %+v, %v", got, err)
			}
			if _, err := store.APITokenByToken(ctx, secret, tok.ExpiresAt); !errors.Is(err, models.ErrTokenExpired) {
				t.Errorf("at expiry: %v, want ErrTokenExpired", err)
			}
			if _, err := store.APITokenByToken(ctx, "itk_nope", now); !errors.Is(err, models.ErrTokenMalformed) {
				t.Errorf("malformed: %v", err)
			}
			if _, err := store.APITokenByToken(ctx, "itk_"+strings.Repeat("A", 43), now); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("unknown: %v", err)
			}

			// Bad requests for a token.
			if _, _, err := store.CreateAPIToken(ctx, dana.ID, "", []string{"leads:delete"}, 0); err == nil {
				t.Error("an unknown scope was accepted")
			}
			if _, _, err := store.CreateAPIToken(ctx, dana.ID, "", nil, 0); err == nil {
				t.Error("no scope was accepted")
			}
			if _, _, err := store.CreateAPIToken(ctx, dana.ID, "", []string{models.ScopeLeadsRead}, 400*24*time.Hour); err == nil {
				t.Error("a 400-day token was accepted")
			}

			// Revoked by its user's role change; the same role changes nothing.
			_, second, _ := store.CreateAPIToken(ctx, dana.ID, "", []string{models.ScopeLeadsRead}, 0)
			if err := store.SetUserRole(ctx, dana.ID, models.RoleConsultant); err != nil {
				t.Fatal(err)
			}
			if _, err := store.APITokenByToken(ctx, second, now); err != nil {
				t.Errorf("after setting the same role: %v", err)
			}
			if err := store.SetUserRole(ctx, dana.ID, models.RoleMarketing); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{secret, second} {
				if _, err := store.APITokenByToken(ctx, s, now); !errors.Is(err, models.ErrTokenRevoked) {
					t.Errorf("after a role change: %v, want ErrTokenRevoked", err)
				}
			}

			// Revoked by disabling; enabling again does not bring it back.
			_, third, _ := store.CreateAPIToken(ctx, dana.ID, "", []string{models.ScopeLeadsRead}, 0)
			if err := store.SetUserDisabled(ctx, dana.ID, true); err != nil {
				t.Fatal(err)
			}
			if err := store.SetUserDisabled(ctx, dana.ID, false); err != nil {
				t.Fatal(err)
			}
			if _, err := store.APITokenByToken(ctx, third, now); !errors.Is(err, models.ErrTokenRevoked) {
				t.Errorf("after disabling: %v, want ErrTokenRevoked", err)
			}

			// Revoked one by one: only by its owner, or by anyone with 0 (admins).
			other := newUser("eve@stellapop.example", models.RoleAdmin)
			fourth, fourthSecret, _ := store.CreateAPIToken(ctx, dana.ID, "", []string{models.ScopeLeadsRead}, 0)
			if err := store.RevokeAPIToken(ctx, fourth.ID, other.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("revoking another's token as a user: %v", err)
			}
			if err := store.RevokeAPIToken(ctx, fourth.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := store.APITokenByToken(ctx, fourthSecret, now); !errors.Is(err, models.ErrTokenRevoked) {
				t.Errorf("after revoking: %v", err)
			}
			mine, _ := store.APITokens(ctx, dana.ID)
			all, _ := store.APITokens(ctx, 0)
			if len(mine) != 4 || len(all) != 4 || mine[0].ID != fourth.ID {
				t.Errorf("listed %d of dana's and %d in all, want 4 and 4, newest first", len(mine), len(all))
			}
		})
	}
}

func TestParseTokenLife(t *testing.T) {
	for in, want := range map[string]time.Duration{"": models.DefaultTokenLife, "30d": 30 * 24 * time.Hour, "365": models.MaxTokenLife} {
		if got, err := models.ParseTokenLife(in); err != nil || got != want {
			t.Errorf("ParseTokenLife(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0d", "366d", "1h", "a year"} {
		if _, err := models.ParseTokenLife(in); err == nil {
			t.Errorf("ParseTokenLife(%q) accepted", in)
		}
	}
}
