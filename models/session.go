package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser. Only a hash of its token is stored, so a
// copy of the database cannot be used to sign in.
type Session struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute limit, whatever the activity
}

// TableName keeps the table name explicit rather than inferred.
func (Session) TableName() string { return "sessions" }

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for a user and returns its token.
func (s *Store) CreateSession(ctx context.Context, userID int64, maxAge time.Duration) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	sess := Session{TokenHash: hashToken(token), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(maxAge)}
	if err := s.db.WithContext(ctx).Create(&sess).Error; err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a live session: not expired, not idle
// past idle, and the user not disabled. It notes the activity at most once
// a minute, to keep reads cheap.
func (s *Store) SessionUser(ctx context.Context, token string, idle time.Duration) (*User, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	db := s.db.WithContext(ctx)
	var sess Session
	err := db.Where("token_hash = ?", hashToken(token)).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := time.Now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > idle {
		_ = db.Where("token_hash = ?", sess.TokenHash).Delete(&Session{}).Error
		return nil, ErrNotFound
	}
	u, err := s.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, ErrNotFound
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := db.Model(&Session{}).Where("token_hash = ?", sess.TokenHash).Update("last_seen_at", now).Error; err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return u, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&Session{}).Error
}

// ExpireSessionsIdleSince ages every session of a user as if last used at
// t; tests use it to see what an expired session meets.
func (s *Store) ExpireSessionsIdleSince(ctx context.Context, userID int64, t time.Time) error {
	return s.db.WithContext(ctx).Model(&Session{}).Where("user_id = ?", userID).Update("last_seen_at", t).Error
}
