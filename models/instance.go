package models

import (
	"context"
	"fmt"
	"time"
)

// RecordSecretFingerprint records fingerprint as the database's secret
// fingerprint unless one is recorded already, and returns the one recorded:
// of instances starting at once on an empty database, the first to write
// wins and the others get its fingerprint back.
func (s *Store) RecordSecretFingerprint(ctx context.Context, fingerprint string) (string, error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`INSERT INTO instance_settings (id, secret_fingerprint, created_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO NOTHING`, fingerprint, time.Now().UTC()).Error; err != nil {
		return "", fmt.Errorf("record the secret's fingerprint: %w", err)
	}
	var recorded string
	if err := db.Table("instance_settings").Select("secret_fingerprint").Where("id = 1").Scan(&recorded).Error; err != nil {
		return "", fmt.Errorf("read the secret's fingerprint: %w", err)
	}
	return recorded, nil
}

// SecretFingerprint is the fingerprint the database recorded, or "" when
// none is recorded yet or the database is too new to have the table: a
// start reads it before migrating, so that an instance with another secret
// changes nothing.
func (s *Store) SecretFingerprint(ctx context.Context) (string, error) {
	db := s.db.WithContext(ctx)
	if !db.Migrator().HasTable("instance_settings") {
		return "", nil
	}
	var recorded string
	if err := db.Table("instance_settings").Select("secret_fingerprint").Where("id = 1").Scan(&recorded).Error; err != nil {
		return "", fmt.Errorf("read the secret's fingerprint: %w", err)
	}
	return recorded, nil
}
