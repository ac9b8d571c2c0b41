package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ExportChunkSize is how many leads one query of an export reads: enough
// to keep round trips few, small enough that memory stays flat however
// many leads match.
const ExportChunkSize = 2000

// ExportFilter chooses the contacts of an export. The caller has checked
// every value against its allow-list or format; zero fields do not filter.
// Its JSON is what the audit log keeps.
type ExportFilter struct {
	From     string `json:"from,omitempty"`     // YYYY-MM-DD: created on or after this day (UTC)
	To       string `json:"to,omitempty"`       // YYYY-MM-DD: created on or before this day (UTC)
	Band     string `json:"band,omitempty"`     // a band id of the diagnostic
	Status   string `json:"status,omitempty"`   // one of Statuses
	Campaign string `json:"campaign,omitempty"` // utm_campaign, exactly
	Source   string `json:"source,omitempty"`   // utm_source, exactly
	// AllContacts includes leads without standing marketing consent. Only
	// admins may ask for it; deciding who may is the caller's job.
	AllContacts bool `json:"all_contacts,omitempty"`
}

// ExportContact is one lead as an export writes it.
type ExportContact struct {
	ID                         int64
	Email, Name, Company, Role string
	TeamSize                   *int
	Band                       string
	Index                      int
	Scores                     []sql.NullInt64 // one per dimension asked for, in that order; not Valid when missing
	ConsentAt                  *time.Time      // when marketing consent was given, if it stands
	ConsentVersion             string          // the consent wording's version, if consent stands
	ConsentWithdrawnAt         *time.Time      // when marketing consent once given was withdrawn, if it was
	Source                     Source
	Status, OwnerEmail         string
	CreatedAt                  time.Time
	TeamInvited, TeamAnswers   int // the lead's team view: colleagues invited, answers in
}

// ExportLog is one row of the export audit log.
type ExportLog struct {
	ID        int64
	ActorID   *int64 // the user who exported; nil from the command line or once the user is deleted
	Actor     string // the user's email then, or "cli"
	Filters   string // the filter as JSON
	RowCount  int64
	CreatedAt time.Time
}

// TableName keeps the table name explicit rather than inferred.
func (ExportLog) TableName() string { return "exports" }

// exportWhere selects the leads f matches, erased leads never among them
// (suppressed addresses are left out as rows are read: see CountExport).
// Every value goes in as a placeholder; the SQL text is fixed here.
func (s *Store) exportWhere(ctx context.Context, f ExportFilter) (*gorm.DB, error) {
	db := s.db.WithContext(ctx).Table("leads").Where("leads.erased_at IS NULL")
	if !f.AllContacts {
		// marketing_opt_in is kept in step with the consent rows by
		// SaveLead and WithdrawConsent (the unsubscribe link).
		db = db.Where("leads.marketing_opt_in = ?", true)
	}
	for _, d := range []struct {
		day, cond string
		offset    int
	}{{f.From, "leads.created_at >= ?", 0}, {f.To, "leads.created_at < ?", 1}} {
		if d.day == "" {
			continue
		}
		t, err := time.Parse(DayLayout, d.day)
		if err != nil {
			return nil, fmt.Errorf("export filter %q: %w", d.day, ErrBadDate)
		}
		db = db.Where(d.cond, t.AddDate(0, 0, d.offset).UTC())
	}
	for _, eq := range []struct{ col, val string }{
		{"leads.band = ?", f.Band}, {"leads.status = ?", f.Status},
		{"leads.utm_campaign = ?", f.Campaign}, {"leads.utm_source = ?", f.Source},
	} {
		if eq.val != "" {
			db = db.Where(eq.col, eq.val)
		}
	}
	return db, nil
}

// CountExport counts the contacts an export with f would write.
func (s *Store) CountExport(ctx context.Context, f ExportFilter) (int64, error) {
	db, err := s.exportWhere(ctx, f)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count export: %w", err)
	}
	suppressed, err := s.SuppressionList(ctx)
	if err != nil || suppressed.Len() == 0 || n == 0 {
		return n, err
	}
	// The export skips suppressed addresses, which are kept only as hashes
	// that SQL cannot compute alike on both databases; so, once anyone is
	// suppressed, the matches' addresses are hashed here, as a stream.
	db, _ = s.exportWhere(ctx, f)
	rows, err := db.Select("leads.email").Where("leads.email <> ''").Rows()
	if err != nil {
		return 0, fmt.Errorf("count export: %w", err)
	}
	defer rows.Close()
	var email string
	for rows.Next() {
		if err := rows.Scan(&email); err != nil {
			return 0, fmt.Errorf("count export: %w", err)
		}
		if suppressed.Has(email) {
			n--
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count export: %w", err)
	}
	return n, nil
}

// LogExport adds an export to the audit log as it starts (CreatedAt
// defaults to now); SetExportRowCount completes it.
func (s *Store) LogExport(ctx context.Context, e *ExportLog) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if err := s.db.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("log export: %w", err)
	}
	return nil
}

// SetExportRowCount records how many rows the export id wrote.
func (s *Store) SetExportRowCount(ctx context.Context, id, n int64) error {
	err := s.db.WithContext(ctx).Model(&ExportLog{}).Where("id = ?", id).Update("row_count", n).Error
	if err != nil {
		return fmt.Errorf("log export row count: %w", err)
	}
	return nil
}

// RecentExports lists the last limit exports, newest first.
func (s *Store) RecentExports(ctx context.Context, limit int) ([]ExportLog, error) {
	var out []ExportLog
	err := s.db.WithContext(ctx).Order("created_at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("recent exports: %w", err)
	}
	return out, nil
}
