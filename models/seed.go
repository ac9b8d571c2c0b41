package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// LeadWithHistory is a whole lead as InsertLeadsBatch writes it: the lead
// with its answers, scores, consents and email states, and what happened to
// it after it was created.
type LeadWithHistory struct {
	Lead    *Lead
	History []Activity // LeadID is filled in; "created" is added for you
}

// insertChunk keeps each INSERT under both dialects' limits on bound
// parameters (SQLite allows 32,766): 1,000 leads of 24 columns is 24,000.
const insertChunk = 1000

// InsertLeadsBatch writes many finished leads in one transaction, for
// `intake seed`: with COPY on PostgreSQL, with multi-row INSERTs on SQLite. Unlike SaveLead it runs no hook, so it queues no email:
// each lead's email states are stored as given (the seed marks them sent),
// and a lead given none has none. Tokens, message ids, a missing status or
// version and the marketing flag are filled in as SaveLead would.
func (s *Store) InsertLeadsBatch(ctx context.Context, batch []LeadWithHistory) error {
	if len(batch) == 0 {
		return nil
	}
	leads := make([]*Lead, len(batch))
	for i, b := range batch {
		l := b.Lead
		if l.ID != 0 {
			return fmt.Errorf("insert leads: lead %d already has an id", i)
		}
		token, err := newToken()
		if err != nil {
			return fmt.Errorf("insert leads: %w", err)
		}
		l.Token = token
		if l.Status == "" {
			l.Status = StatusNew
		}
		if l.Version == 0 {
			l.Version = 1
		}
		l.StageReached = StageAfter(l.StageReached, StatusNew)
		for _, a := range b.History {
			if from, to, ok := strings.Cut(a.Detail, " → "); ok && a.Kind == ActivityStatusChanged {
				l.StageReached = StageAfter(StageAfter(l.StageReached, from), to)
			}
		}
		l.StageReached = StageAfter(l.StageReached, l.Status)
		if c, ok := l.Consent(PurposeMarketing); ok {
			l.MarketingOptIn = c.Active()
		}
		leads[i] = l
	}
	if s.dialect == Postgres && s.pool != nil {
		if err := s.copyLeadsBatch(ctx, batch, leads); err != nil {
			for _, l := range leads {
				l.ID = 0
			}
			return fmt.Errorf("insert leads: %w", err)
		}
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).CreateInBatches(leads, insertChunk).Error; err != nil {
			return fmt.Errorf("insert leads: %w", err)
		}
		var answers []Answer
		var scores []Score
		var consents []Consent
		var emails []LeadEmail
		var history []Activity
		for _, b := range batch {
			l := b.Lead
			for _, a := range l.Answers {
				a.LeadID = l.ID
				answers = append(answers, a)
			}
			for _, sc := range l.Scores {
				sc.LeadID = l.ID
				scores = append(scores, sc)
			}
			for _, c := range l.Consents {
				c.LeadID = l.ID
				consents = append(consents, c)
			}
			for _, e := range l.Emails {
				e.LeadID = l.ID
				if e.MessageID == "" {
					e.MessageID = messageIDFor(l.Token, e.Kind)
				}
				emails = append(emails, e)
			}
			history = append(history, Activity{LeadID: l.ID, Kind: ActivityCreated, CreatedAt: l.CreatedAt})
			for _, a := range b.History {
				a.LeadID = l.ID
				history = append(history, a)
			}
		}
		for _, rows := range []struct {
			name string
			rows any
			n    int
		}{
			{"answers", &answers, len(answers)},
			{"scores", &scores, len(scores)},
			{"consents", &consents, len(consents)},
			{"email states", &emails, len(emails)},
			{"activity", &history, len(history)},
		} {
			if rows.n == 0 {
				continue
			}
			if err := tx.Omit(clause.Associations).CreateInBatches(rows.rows, 2*insertChunk).Error; err != nil {
				return fmt.Errorf("insert %s: %w", rows.name, err)
			}
		}
		ids := make([]int64, len(leads))
		for i, l := range leads {
			ids[i] = l.ID
		}
		if err := addStats(tx, ids, +1, true); err != nil {
			return err
		}
		for _, c := range wonCounts(batch) {
			if err := tx.Exec(addCountSQL, c.Day, c.Metric, c.Count).Error; err != nil {
				return fmt.Errorf("count wins: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		for _, l := range leads {
			l.ID = 0
		}
		return fmt.Errorf("insert leads: %w", err)
	}
	return nil
}

// addCountSQL adds to one day's count of one metric.
const addCountSQL = `INSERT INTO daily_counts (day, metric, count) VALUES (?, ?, ?)
	ON CONFLICT (day, metric) DO UPDATE SET count = daily_counts.count + excluded.count`

// wonCounts are the wins in the batch's histories, by the day they
// happened, as a status change counts them (countWon): +1 for each move to
// won, -1 for each move away from it.
func wonCounts(batch []LeadWithHistory) []DailyCount {
	var counts []DailyCount
	for _, b := range batch {
		for _, a := range b.History {
			from, to, ok := strings.Cut(a.Detail, " → ")
			if !ok || a.Kind != ActivityStatusChanged || (from == StatusWon) == (to == StatusWon) {
				continue
			}
			n := int64(1)
			if from == StatusWon {
				n = -1
			}
			counts = append(counts, DailyCount{Day: a.CreatedAt.UTC().Format(DayLayout), Metric: MetricLeadsWon, Count: n})
		}
	}
	return mergeCounts(counts)
}
