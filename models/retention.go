package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DefaultRetentionDays is how long leads are kept when nothing else is set:
// about two years.
const DefaultRetentionDays = 730

// defaultRetentionBatch is how many leads one transaction anonymises: small
// enough to keep locks short, large enough to clear a backlog quickly.
const defaultRetentionBatch = 200

// Retention is one run of the retention policy: leads created more than
// Days before Now are anonymised exactly as EraseLead erases them, except
// that their addresses are not suppressed (nobody objected to being
// contacted: the time simply ran out, and they may come back and agree
// afresh), and that of the quarantined submissions sent with their
// addresses only those received before the cutoff are deleted (a later one
// is someone coming back).
type Retention struct {
	Days  int       // at least 1
	Now   time.Time // the moment counted back from; zero means now
	Batch int       // leads per transaction; 0 means 200
}

func (r Retention) check() (Retention, error) {
	if r.Days < 1 {
		return r, errors.New("retention: keep leads at least one day")
	}
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	r.Now = r.Now.UTC()
	if r.Batch <= 0 {
		r.Batch = defaultRetentionBatch
	}
	return r, nil
}

// Cutoff is the creation time before which a lead has been kept too long.
func (r Retention) Cutoff() time.Time {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.UTC().AddDate(0, 0, -r.Days)
}

// dueForRetention selects the leads not yet erased created before a cutoff.
const dueForRetention = "erased_at IS NULL AND created_at < ?"

// RetentionDue is what a retention run would anonymise.
type RetentionDue struct {
	Count          int64
	Oldest, Newest time.Time // creation times; zero when Count is 0
}

// LeadsDueForRetention counts the leads a run of r would anonymise, and
// their oldest and newest creation times, changing nothing.
func (s *Store) LeadsDueForRetention(ctx context.Context, r Retention) (RetentionDue, error) {
	r, err := r.check()
	if err != nil {
		return RetentionDue{}, err
	}
	var due RetentionDue
	db, cutoff := s.db.WithContext(ctx), r.Cutoff()
	if err := db.Model(&Lead{}).Where(dueForRetention, cutoff).Count(&due.Count).Error; err != nil {
		return due, fmt.Errorf("count leads due for retention: %w", err)
	}
	if due.Count == 0 {
		return due, nil
	}
	// Read as leads rather than min()/max(), which SQLite returns as text.
	var oldest, newest Lead
	if err := db.Select("id", "created_at").Where(dueForRetention, cutoff).Order("created_at").Order("id").Take(&oldest).Error; err != nil {
		return due, fmt.Errorf("oldest lead due for retention: %w", err)
	}
	if err := db.Select("id", "created_at").Where(dueForRetention, cutoff).Order("created_at DESC").Order("id DESC").Take(&newest).Error; err != nil {
		return due, fmt.Errorf("newest lead due for retention: %w", err)
	}
	due.Oldest, due.Newest = oldest.CreatedAt.UTC(), newest.CreatedAt.UTC()
	return due, nil
}

// ApplyRetention anonymises every lead kept past r's limit, oldest first,
// one batch per transaction, and returns how many it anonymised. Stopping
// half-way (an error, ctx ended) keeps the batches already done.
func (s *Store) ApplyRetention(ctx context.Context, r Retention) (int, error) {
	r, err := r.check()
	if err != nil {
		return 0, err
	}
	cutoff := r.Cutoff()
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n := 0
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var leads []Lead
			// SKIP LOCKED: two instances running at once share the work
			// instead of erasing the same leads twice.
			err := s.forUpdate(tx, "SKIP LOCKED").Select(erasureColumns).
				Where(dueForRetention, cutoff).
				Order("created_at").Order("id").Limit(r.Batch).Find(&leads).Error
			if err != nil {
				return err
			}
			n = len(leads)
			return s.eraseLeads(tx, leads, erasure{detail: ErasedByRetention, at: r.Now, quarantinedBefore: cutoff})
		})
		if err != nil {
			return total, fmt.Errorf("apply retention after %d leads: %w", total, err)
		}
		total += n
		if n < r.Batch {
			return total, nil
		}
	}
}
