package models

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"
)

// Roles a user can have: one each.
const (
	RoleAdmin      = "admin"
	RoleConsultant = "consultant"
	RoleMarketing  = "marketing"
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleAdmin, RoleConsultant, RoleMarketing}

// Password length limits.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

var (
	// ErrEmailTaken means another user already has that email.
	ErrEmailTaken = errors.New("a user with that email already exists")
	// ErrBadCredentials means the email or the password is wrong; which
	// one is never said.
	ErrBadCredentials = errors.New("wrong email or password")
)

// User is someone who signs in to the workspace.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	PasswordHash string
	DisabledAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (User) TableName() string { return "users" }

// Disabled reports whether the user may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// DisplayName is the name, or the email when there is none.
func (u *User) DisplayName() string {
	if u == nil {
		return ""
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// CheckPassword says what is wrong with a new password, or "".
func CheckPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return "The password contains characters we can’t read."
	case n < MinPasswordLen:
		return fmt.Sprintf("The password must be at least %d characters (it has %d).", MinPasswordLen, n)
	case n > MaxPasswordLen:
		return fmt.Sprintf("The password must be at most %d characters (it has %d).", MaxPasswordLen, n)
	}
	return ""
}

// argonParams costs about 64 MiB and a few tens of milliseconds per check.
var argonParams = argon2id.DefaultParams

// hashSlots bounds how many passwords are hashed at once: each hash holds
// 64 MiB while it runs, so a burst of sign-ins from many addresses queues
// here instead of multiplying the process's memory.
var hashSlots = make(chan struct{}, max(1, min(runtime.NumCPU(), 4)))

// withHashSlot runs f once a hashing slot is free, or gives up with ctx.
func withHashSlot(ctx context.Context, f func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	f()
	// The hash's 64 MiB is garbage now; hand it back to the system at once
	// rather than over minutes, so a sign-in does not leave the process
	// twice its size. Sign-ins are rare and already cost tens of ms.
	debug.FreeOSMemory()
	return nil
}

// hashPassword hashes a new password, waiting for a hashing slot.
func hashPassword(ctx context.Context, password string) (hash string, err error) {
	if serr := withHashSlot(ctx, func() { hash, err = argon2id.CreateHash(password, argonParams) }); serr != nil {
		return "", serr
	}
	return hash, err
}

// comparePassword checks a password against a stored hash, waiting for a
// hashing slot.
func comparePassword(ctx context.Context, password, hash string) (ok bool, err error) {
	if serr := withHashSlot(ctx, func() { ok, err = argon2id.ComparePasswordAndHash(password, hash) }); serr != nil {
		return false, serr
	}
	return ok, err
}

// dummyHash is checked against when the email is unknown, so a wrong email
// takes as long as a wrong password. It is made on first use: making it at
// start would cost every process 64 MiB and a third of a second.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("not a real password, never matches", argonParams)
	return h
})

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds a user with a hashed password.
func (s *Store) CreateUser(ctx context.Context, email, name, role, password string) (*User, error) {
	email = normalizeEmail(email)
	if !ValidRole(role) {
		return nil, fmt.Errorf("unknown role %q: want one of %s", role, strings.Join(Roles, ", "))
	}
	if msg := CheckPassword(password); msg != "" {
		return nil, errors.New(msg)
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := time.Now().UTC()
	u := &User{Email: email, Name: strings.TrimSpace(name), Role: role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ErrEmailTaken
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by email, whatever its case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("lower(email) = ?", normalizeEmail(email)).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return &u, nil
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return &u, nil
}

// ListUsers lists every user, by email.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	if err := s.db.WithContext(ctx).Order("lower(email)").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CountUsers counts the workspace's users, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// Authenticate checks an email and password; any mismatch, or a disabled
// account, is ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		if _, err := comparePassword(ctx, password, dummyHash()); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := comparePassword(ctx, password, u.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if !ok || u.Disabled() {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// SetPassword replaces a user's password and ends their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if msg := CheckPassword(password); msg != "" {
		return errors.New(msg)
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return fmt.Errorf("set password: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.Where("user_id = ?", userID).Delete(&Session{}).Error
	})
}

// SetUserDisabled disables (ending their sessions and revoking their API
// tokens at once) or re-enables a user.
func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	var at *time.Time
	if disabled {
		now := time.Now().UTC()
		at = &now
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"disabled_at": at, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return fmt.Errorf("disable user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if disabled {
			if err := revokeUserAPITokens(tx, userID, time.Now().UTC()); err != nil {
				return err
			}
			return tx.Where("user_id = ?", userID).Delete(&Session{}).Error
		}
		return nil
	})
}

// SetUserRole changes a user's role. A changed role revokes the user's API
// tokens in the same transaction: a token is made for what its user may do
// when it is made, and must not outlive that.
func (s *Store) SetUserRole(ctx context.Context, userID int64, role string) error {
	if !ValidRole(role) {
		return fmt.Errorf("unknown role %q", role)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur User
		err := tx.Where("id = ?", userID).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if cur.Role == role {
			return nil
		}
		now := time.Now().UTC()
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"role": role, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return revokeUserAPITokens(tx, userID, now)
	})
}
