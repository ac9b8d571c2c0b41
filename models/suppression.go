package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The suppression list holds the addresses of leads erased on request, so
// they are never exported again, and holds them only as keyed hashes: an
// HMAC-SHA256 under a key derived from INTAKE_SECRET, which nobody without
// the secret can reverse by hashing guessed addresses.
//
// Entries written before the list was keyed are plain SHA-256 of the
// address. No migration can rehash them (the addresses are gone), so every
// check matches both forms, nothing writes the plain form any more, and
// erasing an address again replaces its plain entry with the keyed one.

// suppressionKeyLabel is what INTAKE_SECRET signs to derive the list's key;
// changing it would make every keyed entry stop matching.
const suppressionKeyLabel = "intake: suppression list key, v1"

// SuppressionKey derives the suppression list's key from the instance's
// secret (INTAKE_SECRET), so the secret itself never keys anything here.
func SuppressionKey(secret []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(suppressionKeyLabel))
	return mac.Sum(nil)
}

// ErrNoSuppressionKey is returned by anything that reads or writes the
// suppression list on a store opened without Options.SuppressionKey:
// checking without the key would let erased addresses through.
var ErrNoSuppressionKey = errors.New("the store was opened without a suppression key")

// Suppression is one address that must never be exported again, kept only
// as a hash of it (see suppressionForms). The column's name dates from when
// the hash was a plain SHA-256.
type Suppression struct {
	Hash      string `gorm:"primaryKey;column:email_sha256"`
	CreatedAt time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (Suppression) TableName() string { return "suppressions" }

// suppressionForms is the one rule for how an address is kept on the
// list: keyed is the lower-case hex HMAC-SHA256 under key of the address
// trimmed of spaces and lower-cased, which erasure writes; plain is its
// unkeyed SHA-256, which entries made before the list was keyed hold.
func suppressionForms(key []byte, email string) (keyed, plain string) {
	addr := []byte(strings.ToLower(strings.TrimSpace(email)))
	mac := hmac.New(sha256.New, key)
	mac.Write(addr)
	sum := sha256.Sum256(addr)
	return hex.EncodeToString(mac.Sum(nil)), hex.EncodeToString(sum[:])
}

// IsSuppressed reports whether email belongs to a lead erased on request
// and so must never be exported or written to again. An empty address is
// not.
func (s *Store) IsSuppressed(ctx context.Context, email string) (bool, error) {
	if len(s.suppressionKey) == 0 {
		return false, fmt.Errorf("check suppression: %w", ErrNoSuppressionKey)
	}
	if strings.TrimSpace(email) == "" {
		return false, nil
	}
	keyed, plain := suppressionForms(s.suppressionKey, email)
	var n int64
	err := s.db.WithContext(ctx).Model(&Suppression{}).Where("email_sha256 IN ?", []string{keyed, plain}).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check suppression: %w", err)
	}
	return n > 0, nil
}

// SuppressionList is the whole list, read once, for a caller that checks
// many addresses (an export) without a query for each.
type SuppressionList struct {
	key    []byte
	hashes map[string]bool
}

// SuppressionList reads the suppression list.
func (s *Store) SuppressionList(ctx context.Context) (*SuppressionList, error) {
	if len(s.suppressionKey) == 0 {
		return nil, fmt.Errorf("load suppressions: %w", ErrNoSuppressionKey)
	}
	var hashes []string
	if err := s.db.WithContext(ctx).Model(&Suppression{}).Pluck("email_sha256", &hashes).Error; err != nil {
		return nil, fmt.Errorf("load suppressions: %w", err)
	}
	l := &SuppressionList{key: s.suppressionKey, hashes: make(map[string]bool, len(hashes))}
	for _, h := range hashes {
		l.hashes[h] = true
	}
	return l, nil
}

// Len is how many entries the list holds.
func (l *SuppressionList) Len() int { return len(l.hashes) }

// Has reports whether email is on the list, in either form. An empty
// address is not.
func (l *SuppressionList) Has(email string) bool {
	if len(l.hashes) == 0 || strings.TrimSpace(email) == "" {
		return false
	}
	keyed, plain := suppressionForms(l.key, email)
	return l.hashes[keyed] || l.hashes[plain]
}
