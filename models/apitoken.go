package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The API's scopes: what a token may do, within what its user's role may.
const (
	ScopeLeadsRead    = "leads:read"
	ScopeLeadsWrite   = "leads:write"
	ScopeContactsRead = "contacts:read"
)

// Scopes lists every scope a token may carry.
var Scopes = []string{ScopeLeadsRead, ScopeLeadsWrite, ScopeContactsRead}

// Token lifetimes: the default, and the most a token may be given.
const (
	DefaultTokenLife = 90 * 24 * time.Hour
	MaxTokenLife     = 365 * 24 * time.Hour
)

// APITokenPrefix starts every token, so a leaked one is recognisable (and
// findable by secret scanners).
const APITokenPrefix = "itk_"

// apiTokenLen is the length of a token: the prefix and 32 random bytes in
// unpadded base64url.
const apiTokenLen = len(APITokenPrefix) + 43

// Token errors, each its own reason for refusing a request.
var (
	ErrTokenMalformed = errors.New("the token is not an Intake API token")
	ErrTokenExpired   = errors.New("the token has expired")
	ErrTokenRevoked   = errors.New("the token has been revoked")
)

// APIToken is a personal access token for the JSON API. Only the SHA-256
// of the token is kept.
type APIToken struct {
	ID         int64
	UserID     int64
	User       *User `gorm:"foreignKey:UserID"`
	Name       string
	Scopes     string // comma-separated, in the order of Scopes
	TokenHash  string
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (APIToken) TableName() string { return "api_tokens" }

// ScopeList is the token's scopes.
func (t *APIToken) ScopeList() []string {
	if t.Scopes == "" {
		return nil
	}
	return strings.Split(t.Scopes, ",")
}

// HasScope reports whether the token carries scope.
func (t *APIToken) HasScope(scope string) bool {
	return slices.Contains(t.ScopeList(), scope)
}

// Live reports whether the token may still be used at now.
func (t *APIToken) Live(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// NormalizeScopes checks scopes against Scopes and returns them once each,
// in Scopes' order; an unknown scope is an error naming it.
func NormalizeScopes(scopes []string) ([]string, error) {
	var out []string
	for _, s := range scopes {
		if !slices.Contains(Scopes, s) {
			return nil, fmt.Errorf("unknown scope %q: want some of %s", s, strings.Join(Scopes, ", "))
		}
	}
	for _, s := range Scopes {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("a token needs at least one scope")
	}
	return out, nil
}

// ParseTokenLife reads a token's lifetime as a number of days ("30d" or
// "30"); empty is DefaultTokenLife. It must be a whole day to a year.
func ParseTokenLife(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultTokenLife, nil
	}
	days, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	maxDays := int(MaxTokenLife / (24 * time.Hour))
	if err != nil || days < 1 || days > maxDays {
		return 0, fmt.Errorf("expiry must be 1 to %d days, like 30d", maxDays)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// WellFormedAPIToken reports whether token has the shape of an Intake
// token, so a malformed one is refused without a database query.
func WellFormedAPIToken(token string) bool {
	if len(token) != apiTokenLen || !strings.HasPrefix(token, APITokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token[len(APITokenPrefix):])
	return err == nil
}

// CreateAPIToken makes a token for a live user and returns it with the
// token itself, which is shown once and never stored.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string, scopes []string, life time.Duration) (*APIToken, string, error) {
	scopes, err := NormalizeScopes(scopes)
	if err != nil {
		return nil, "", err
	}
	if life <= 0 {
		life = DefaultTokenLife
	}
	if life > MaxTokenLife {
		return nil, "", fmt.Errorf("a token may last at most %d days", int(MaxTokenLife/(24*time.Hour)))
	}
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return nil, "", errors.New("the name must be at most 100 characters")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if u.Disabled() {
		return nil, "", fmt.Errorf("%s is disabled", u.Email)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", fmt.Errorf("api token: %w", err)
	}
	token := APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	t := &APIToken{UserID: userID, Name: name, Scopes: strings.Join(scopes, ","), TokenHash: hashToken(token),
		ExpiresAt: now.Add(life), CreatedAt: now}
	if err := s.db.WithContext(ctx).Create(t).Error; err != nil {
		return nil, "", fmt.Errorf("create api token: %w", err)
	}
	t.User = u
	return t, token, nil
}

// APITokenByToken finds the live token and its user for a request: an
// unknown or malformed token is ErrTokenMalformed or ErrNotFound, a lapsed
// one ErrTokenExpired, a revoked one (or one whose user is disabled)
// ErrTokenRevoked. Its use is noted at most once a minute.
func (s *Store) APITokenByToken(ctx context.Context, token string, now time.Time) (*APIToken, error) {
	if !WellFormedAPIToken(token) {
		return nil, ErrTokenMalformed
	}
	db := s.db.WithContext(ctx)
	var t APIToken
	err := db.Preload("User").Where("token_hash = ?", hashToken(token)).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find api token: %w", err)
	}
	switch {
	case t.RevokedAt != nil || t.User == nil || t.User.Disabled():
		return nil, ErrTokenRevoked
	case !now.Before(t.ExpiresAt):
		return nil, ErrTokenExpired
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		at := now.UTC()
		if err := db.Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", at).Error; err != nil {
			return nil, fmt.Errorf("note api token use: %w", err)
		}
		t.LastUsedAt = &at
	}
	return &t, nil
}

// APITokens lists tokens, newest first, with their users: one user's, or
// everyone's when userID is 0.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	q := s.db.WithContext(ctx).Preload("User").Order("created_at DESC, id DESC")
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var out []APIToken
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken revokes a token: one of userID's, or anyone's when userID
// is 0. A token that is not there (or not theirs) is ErrNotFound; revoking
// twice keeps the first time.
func (s *Store) RevokeAPIToken(ctx context.Context, id, userID int64) error {
	q := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", id)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return fmt.Errorf("find api token: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return revokeAPITokens(s.db.WithContext(ctx).Where("id = ?", id), time.Now().UTC())
}

// revokeUserAPITokens revokes every live token of a user, inside the
// transaction that disables them or changes their role.
func revokeUserAPITokens(tx *gorm.DB, userID int64, now time.Time) error {
	return revokeAPITokens(tx.Where("user_id = ?", userID), now)
}

func revokeAPITokens(q *gorm.DB, now time.Time) error {
	err := q.Model(&APIToken{}).Where("revoked_at IS NULL").Update("revoked_at", now).Error
	if err != nil {
		return fmt.Errorf("revoke api tokens: %w", err)
	}
	return nil
}
