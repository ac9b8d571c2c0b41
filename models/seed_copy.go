package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copyLeadsBatch is InsertLeadsBatch on PostgreSQL: the ids come from the
// leads' sequence up front, so every table of the batch goes in with one
// COPY in one transaction rather than as multi-row INSERTs that PostgreSQL
// parses and plans; seeding a million leads takes a minute or two, not a
// quarter of an hour. leads have been prepared by InsertLeadsBatch.
func (s *Store) copyLeadsBatch(ctx context.Context, batch []LeadWithHistory, leads []*Lead) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('leads', 'id')) FROM generate_series(1, $1)`, len(leads))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(ids) != len(leads) {
			return fmt.Errorf("reserved %d ids for %d leads", len(ids), len(leads))
		}
		leadRows := make([][]any, len(leads))
		var answers, scores, consents, emails, history [][]any
		for i, l := range leads {
			l.ID = ids[i]
			src := l.Source
			leadRows[i] = []any{l.ID, l.Token, l.SubmissionKey, l.Name, l.Email, l.Company, l.Role, l.TeamSize,
				l.DiagnosticVersion, l.OverallIndex, l.Band, l.Status, src.LandingPage, src.Referrer,
				src.UTMSource, src.UTMMedium, src.UTMCampaign, src.UTMTerm, src.UTMContent, l.CreatedAt,
				l.OwnerID, l.FollowUpOn, l.Version, l.TouchedAt, l.MarketingOptIn, l.ErasedAt, l.StageReached}
			for _, a := range l.Answers {
				answers = append(answers, []any{l.ID, a.QuestionID, a.Position, a.Dimension, a.QuestionText, a.Value, a.Label, a.Points})
			}
			for _, sc := range l.Scores {
				scores = append(scores, []any{l.ID, sc.Dimension, sc.Position, sc.Score})
			}
			for _, c := range l.Consents {
				consents = append(consents, []any{l.ID, c.Purpose, c.Granted, c.DecidedAt, c.WordingVersion, c.WordingSHA256, c.Wording, c.WithdrawnAt})
			}
			for _, e := range l.Emails {
				if e.MessageID == "" {
					e.MessageID = messageIDFor(l.Token, e.Kind)
				}
				emails = append(emails, []any{l.ID, e.Kind, e.MessageID, e.QueuedAt, e.Attempts, e.LastAttemptAt, e.LastError, e.SentAt, e.FailedAt})
			}
			history = append(history, []any{l.ID, nil, ActivityCreated, "", l.CreatedAt})
			for _, a := range batch[i].History {
				history = append(history, []any{l.ID, a.ActorID, a.Kind, a.Detail, a.CreatedAt})
			}
		}
		for _, t := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"leads", []string{"id", "token", "submission_key", "name", "email", "company", "role", "team_size",
				"diagnostic_version", "overall_index", "band", "status", "landing_page", "referrer",
				"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "created_at",
				"owner_id", "follow_up_on", "version", "touched_at", "marketing_opt_in", "erased_at", "stage_reached"}, leadRows},
			{"lead_answers", []string{"lead_id", "question_id", "position", "dimension", "question_text", "value", "label", "points"}, answers},
			{"lead_scores", []string{"lead_id", "dimension", "position", "score"}, scores},
			{"lead_consents", []string{"lead_id", "purpose", "granted", "decided_at", "wording_version", "wording_sha256", "wording", "withdrawn_at"}, consents},
			{"lead_emails", []string{"lead_id", "kind", "message_id", "queued_at", "attempts", "last_attempt_at", "last_error", "sent_at", "failed_at"}, emails},
			{"lead_activity", []string{"lead_id", "actor_id", "kind", "detail", "created_at"}, history},
		} {
			if len(t.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", t.table, err)
			}
		}
		for _, stmt := range statsUpserts(Postgres) {
			if _, err := tx.Exec(ctx, pgxPlaceholders(stmt), statsArgs(stmt, 1, ids)...); err != nil {
				return fmt.Errorf("summaries: %w", err)
			}
		}
		for _, c := range wonCounts(batch) {
			if _, err := tx.Exec(ctx, pgxPlaceholders(addCountSQL), c.Day, c.Metric, c.Count); err != nil {
				return fmt.Errorf("count wins: %w", err)
			}
		}
		return nil
	})
}

// pgxPlaceholders turns a GORM statement's ? placeholders into pgx's $n,
// and "IN ?" over a list into "= ANY($n)" over an array.
func pgxPlaceholders(stmt string) string {
	stmt = strings.ReplaceAll(stmt, "IN ?", "= ANY(?)")
	var b strings.Builder
	n := 0
	for _, r := range stmt {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
