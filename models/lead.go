package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Lead is a prospect who completed the diagnostic and left contact details.
type Lead struct {
	ID                int64
	Token             string  // the unguessable part of the result page's address
	SubmissionKey     *string // the form's key: a repeated submission finds this lead
	Name              string
	Email             string
	Company           string
	Role              string
	TeamSize          *int
	DiagnosticVersion string
	OverallIndex      int
	Band              string
	Status            string
	// StageReached is the furthest pipeline stage the lead has reached
	// (never lost): see StageAfter.
	StageReached string
	Source       Source `gorm:"embedded"`
	CreatedAt    time.Time

	// The workspace's pipeline.
	OwnerID        *int64
	Owner          *User  `gorm:"foreignKey:OwnerID"`
	FollowUpOn     string // YYYY-MM-DD, or empty
	Version        int    // bumped on every change, to catch stale forms
	TouchedAt      *time.Time
	MarketingOptIn bool // the marketing consent is given and not withdrawn
	// ErasedAt is when the lead's personal data was erased (see EraseLead).
	ErasedAt *time.Time
	// TeamInvited and TeamAnswers are how far the lead's team view has
	// come: invitations made, and colleagues' answers in. They are kept
	// with the invitations and answers, in the same transactions.
	TeamInvited int
	TeamAnswers int

	Answers  []Answer    `gorm:"foreignKey:LeadID"`
	Scores   []Score     `gorm:"foreignKey:LeadID"`
	Consents []Consent   `gorm:"foreignKey:LeadID"`
	Emails   []LeadEmail `gorm:"foreignKey:LeadID"`
}

// TableName keeps the table name explicit rather than inferred.
func (Lead) TableName() string { return "leads" }

// Source is where a lead came from, as seen on the page they landed on.
type Source struct {
	LandingPage string
	Referrer    string
	UTMSource   string `gorm:"column:utm_source"`
	UTMMedium   string `gorm:"column:utm_medium"`
	UTMCampaign string `gorm:"column:utm_campaign"`
	UTMTerm     string `gorm:"column:utm_term"`
	UTMContent  string `gorm:"column:utm_content"`
}

// Answer is one answered question, with the wording the visitor saw.
type Answer struct {
	LeadID       int64  `gorm:"primaryKey;autoIncrement:false"`
	QuestionID   string `gorm:"primaryKey"`
	Position     int
	Dimension    string
	QuestionText string
	Value        int
	Label        string
	Points       int
}

// TableName keeps the table name explicit rather than inferred.
func (Answer) TableName() string { return "lead_answers" }

// Score is a lead's 0–100 score on one dimension of the diagnostic.
type Score struct {
	LeadID    int64  `gorm:"primaryKey;autoIncrement:false"`
	Dimension string `gorm:"primaryKey"`
	Position  int
	Score     int
}

// TableName keeps the table name explicit rather than inferred.
func (Score) TableName() string { return "lead_scores" }

// Consent is the decision a lead made on one purpose, with proof of the
// wording they were shown.
type Consent struct {
	LeadID         int64  `gorm:"primaryKey;autoIncrement:false"`
	Purpose        string `gorm:"primaryKey"`
	Granted        bool
	DecidedAt      time.Time
	WordingVersion string
	WordingSHA256  string `gorm:"column:wording_sha256"`
	Wording        string
	WithdrawnAt    *time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (Consent) TableName() string { return "lead_consents" }

// Lead statuses, in pipeline order.
const (
	StatusNew = "new"
)

// ScoreMap returns the lead's scores keyed by dimension id.
func (l *Lead) ScoreMap() map[string]int {
	m := make(map[string]int, len(l.Scores))
	for _, s := range l.Scores {
		m[s.Dimension] = s.Score
	}
	return m
}

// Consent returns the lead's decision on purpose, if one was recorded.
func (l *Lead) Consent(purpose string) (Consent, bool) {
	for _, c := range l.Consents {
		if c.Purpose == purpose {
			return c, true
		}
	}
	return Consent{}, false
}

// newToken returns 144 random bits, URL-safe.
func newToken() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Tx is the transaction a hook joins. On PostgreSQL a new lead is saved
// through pgx itself (Pgx), which sends its arrays without the detour
// through database/sql; everywhere else, and in every transaction GORM
// runs, it is a database/sql transaction (SQL). Exactly one is set.
type Tx struct {
	SQL *sql.Tx
	Pgx pgx.Tx
	// Batch, when set, gathers work the hooks put off to the end of their
	// transaction, such as queuing jobs (see Batch); nil means now.
	Batch *Batch
}

// gormTx is the database/sql transaction under a GORM transaction.
func gormTx(tx *gorm.DB) (Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return Tx{}, fmt.Errorf("transaction is a %T, not a *sql.Tx", tx.Statement.ConnPool)
	}
	return Tx{SQL: sqlTx}, nil
}

// TxHook is work that must commit or roll back with a lead, such as queuing
// its emails; it runs inside the transaction that saves the lead.
type TxHook func(ctx context.Context, tx Tx, lead *Lead) error

// SaveLead stores a new lead with its answers, scores, consents and the
// delivery state of its emails in one transaction, giving it a result token
// (unless it has one) and a creation time. Each hook runs inside the same
// transaction: if one fails, nothing is saved.
func (s *Store) SaveLead(ctx context.Context, lead *Lead, hooks ...TxHook) error {
	return s.saveLead(ctx, lead, RequestLimit{}, hooks)
}

// saveLead is SaveLead, counting the request in the lead's statement on
// PostgreSQL when limit names a purpose (SaveLeadCounted).
func (s *Store) saveLead(ctx context.Context, lead *Lead, limit RequestLimit, hooks []TxHook) error {
	if lead.ID != 0 {
		return errors.New("save lead: lead already has an id")
	}
	if err := prepareLead(lead); err != nil {
		return fmt.Errorf("save lead: %w", err)
	}
	hooks = s.withLeadCreated(hooks)
	var err error
	if s.dialect == Postgres {
		err = s.saveLeadPostgres(ctx, lead, limit, hooks)
	} else {
		err = s.saveLeadGORM(ctx, lead, hooks)
	}
	if err != nil {
		lead.ID = 0
		if errors.Is(err, ErrDuplicateSubmission) || (errors.Is(err, gorm.ErrDuplicatedKey) && lead.SubmissionKey != nil) {
			return ErrDuplicateSubmission
		}
		if errors.Is(err, ErrOverLimit) {
			return err
		}
		return fmt.Errorf("save lead: %w", err)
	}
	return nil
}

// saveLeadGORM is SaveLead's transaction through GORM, for SQLite, where a
// statement costs no round trip.
func (s *Store) saveLeadGORM(ctx context.Context, lead *Lead, hooks []TxHook) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if lead.SubmissionKey != nil {
			// The same form may wait in quarantine; it is not a new lead.
			var n int64
			if err := tx.Model(&Quarantined{}).Where("submission_key = ?", *lead.SubmissionKey).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrDuplicateSubmission
			}
		}
		return insertLead(ctx, tx, lead, hooks)
	})
}

// prepareLead fills what a new lead gets before it is stored: a result
// token, a creation time, the first status and version.
func prepareLead(lead *Lead) error {
	if lead.Token == "" {
		token, err := newToken()
		if err != nil {
			return err
		}
		lead.Token = token
	}
	if lead.CreatedAt.IsZero() {
		lead.CreatedAt = time.Now().UTC()
	}
	if lead.Status == "" {
		lead.Status = StatusNew
	}
	lead.StageReached = StageAfter(lead.StageReached, lead.Status)
	lead.Version = 1
	if c, ok := lead.Consent(PurposeMarketing); ok {
		lead.MarketingOptIn = c.Active()
	}
	return nil
}

// own gives a newly stored lead's answers, scores and consents its id, and
// makes the delivery state of each of its emails, queued as it was made.
func (l *Lead) own() {
	for i := range l.Answers {
		l.Answers[i].LeadID = l.ID
	}
	for i := range l.Scores {
		l.Scores[i].LeadID = l.ID
	}
	for i := range l.Consents {
		l.Consents[i].LeadID = l.ID
	}
	l.Emails = make([]LeadEmail, len(EmailKinds))
	for i, kind := range EmailKinds {
		l.Emails[i] = LeadEmail{LeadID: l.ID, Kind: kind, MessageID: messageIDFor(l.Token, kind), QueuedAt: l.CreatedAt}
	}
}

// insertLead writes a prepared lead and everything it owns inside tx, then
// runs the hooks in the same transaction.
func insertLead(ctx context.Context, tx *gorm.DB, lead *Lead, hooks []TxHook) error {
	if err := tx.Omit(clause.Associations).Create(lead).Error; err != nil {
		return fmt.Errorf("insert lead: %w", err)
	}
	lead.own()
	if len(lead.Answers) > 0 {
		if err := tx.Create(&lead.Answers).Error; err != nil {
			return fmt.Errorf("insert answers: %w", err)
		}
	}
	if len(lead.Scores) > 0 {
		if err := tx.Create(&lead.Scores).Error; err != nil {
			return fmt.Errorf("insert scores: %w", err)
		}
	}
	if len(lead.Consents) > 0 {
		if err := tx.Create(&lead.Consents).Error; err != nil {
			return fmt.Errorf("insert consents: %w", err)
		}
	}
	if err := tx.Create(&lead.Emails).Error; err != nil {
		return fmt.Errorf("insert email states: %w", err)
	}
	if err := addActivity(tx, lead.ID, nil, ActivityCreated, "", lead.CreatedAt); err != nil {
		return fmt.Errorf("insert activity: %w", err)
	}
	if err := addStats(tx, []int64{lead.ID}, +1, true); err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	hookTx, err := gormTx(tx)
	if err != nil {
		return fmt.Errorf("save lead: %w", err)
	}
	return runHooks(ctx, hookTx, lead, hooks)
}

// ErrDuplicateSubmission means a lead was already saved from the same form.
var ErrDuplicateSubmission = errors.New("this form was already submitted")

// LeadBySubmissionKey finds the lead a form's first submission saved.
func (s *Store) LeadBySubmissionKey(ctx context.Context, key string) (*Lead, error) {
	if key == "" {
		return nil, ErrNotFound
	}
	var lead Lead
	err := s.db.WithContext(ctx).Where("submission_key = ?", key).Take(&lead).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find submission: %w", err)
	}
	return &lead, nil
}

// LeadByToken loads a lead, with everything it owns, by its result token.
func (s *Store) LeadByToken(ctx context.Context, token string) (*Lead, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	return s.loadLead(ctx, "token = ?", token)
}

// LeadByID loads a lead, with everything it owns, by its id.
func (s *Store) LeadByID(ctx context.Context, id int64) (*Lead, error) {
	return s.loadLead(ctx, "id = ?", id)
}

func (s *Store) loadLead(ctx context.Context, where string, arg any) (*Lead, error) {
	var lead Lead
	err := s.db.WithContext(ctx).
		Preload("Answers", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Preload("Scores", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Preload("Consents", func(db *gorm.DB) *gorm.DB { return db.Order("purpose") }).
		Preload("Emails", func(db *gorm.DB) *gorm.DB { return db.Order("kind") }).
		Preload("Owner").
		Where(where, arg).
		Take(&lead).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load lead: %w", err)
	}
	return &lead, nil
}

// CountLeads returns how many leads are stored.
func (s *Store) CountLeads(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Lead{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count leads: %w", err)
	}
	return n, nil
}
