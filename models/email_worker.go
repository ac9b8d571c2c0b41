package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// leadForJobSQL loads a lead with what its emails and webhook events show
// (answers, scores, consents, the delivery state of each email and its
// owner's public fields) in one round trip: the children come back as JSON
// keyed by the Go field names.
const leadForJobSQL = `SELECT l.id, l.token, l.submission_key, l.name, l.email, l.company, l.role, l.team_size,
	l.diagnostic_version, l.overall_index, l.band, l.status, l.landing_page, l.referrer, l.utm_source, l.utm_medium,
	l.utm_campaign, l.utm_term, l.utm_content, l.created_at, l.owner_id, l.follow_up_on, l.version, l.touched_at,
	l.marketing_opt_in, l.erased_at, l.stage_reached,
	(SELECT coalesce(json_agg(json_build_object('LeadID', a.lead_id, 'QuestionID', a.question_id, 'Position', a.position,
		'Dimension', a.dimension, 'QuestionText', a.question_text, 'Value', a.value, 'Label', a.label, 'Points', a.points)
		ORDER BY a.position), '[]') FROM lead_answers a WHERE a.lead_id = l.id),
	(SELECT coalesce(json_agg(json_build_object('LeadID', s.lead_id, 'Dimension', s.dimension, 'Position', s.position,
		'Score', s.score) ORDER BY s.position), '[]') FROM lead_scores s WHERE s.lead_id = l.id),
	(SELECT coalesce(json_agg(json_build_object('LeadID', c.lead_id, 'Purpose', c.purpose, 'Granted', c.granted,
		'DecidedAt', c.decided_at, 'WordingVersion', c.wording_version, 'WordingSHA256', c.wording_sha256,
		'Wording', c.wording, 'WithdrawnAt', c.withdrawn_at) ORDER BY c.purpose), '[]') FROM lead_consents c WHERE c.lead_id = l.id),
	(SELECT coalesce(json_agg(json_build_object('LeadID', e.lead_id, 'Kind', e.kind, 'MessageID', e.message_id,
		'QueuedAt', e.queued_at, 'Attempts', e.attempts, 'LastAttemptAt', e.last_attempt_at, 'LastError', e.last_error,
		'SentAt', e.sent_at, 'FailedAt', e.failed_at) ORDER BY e.kind), '[]') FROM lead_emails e WHERE e.lead_id = l.id),
	(SELECT json_build_object('ID', u.id, 'Email', u.email, 'Name', u.name, 'Role', u.role) FROM users u WHERE u.id = l.owner_id)
FROM leads l WHERE l.id = $1`

// LeadForJob loads what the email and webhook workers need of a lead: the
// lead with its answers, scores, consents, the delivery state of its
// emails and its owner's id, email, name and role (nothing else of the
// owner: no password hash). It is one query on PostgreSQL, where the
// workers run under load, sent through pgx itself like the queue's own.
func (s *Store) LeadForJob(ctx context.Context, id int64) (*Lead, error) {
	if s.dialect != Postgres {
		l, err := s.LeadByID(ctx, id)
		if err == nil && l.Owner != nil {
			l.Owner = publicUser(l.Owner)
		}
		return l, err
	}
	return scanLeadForJob(s.pool.QueryRow(ctx, leadForJobSQL, id))
}

// scanLeadForJob reads leadForJobSQL's row.
func scanLeadForJob(row pgx.Row) (*Lead, error) {
	var (
		l                                 Lead
		teamSize                          sql.NullInt32
		answers, scores, consents, emails []byte
		owner                             []byte
	)
	err := row.Scan(
		&l.ID, &l.Token, &l.SubmissionKey, &l.Name, &l.Email, &l.Company, &l.Role, &teamSize,
		&l.DiagnosticVersion, &l.OverallIndex, &l.Band, &l.Status, &l.Source.LandingPage, &l.Source.Referrer,
		&l.Source.UTMSource, &l.Source.UTMMedium, &l.Source.UTMCampaign, &l.Source.UTMTerm, &l.Source.UTMContent,
		&l.CreatedAt, &l.OwnerID, &l.FollowUpOn, &l.Version, &l.TouchedAt, &l.MarketingOptIn, &l.ErasedAt, &l.StageReached,
		&answers, &scores, &consents, &emails, &owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load lead: %w", err)
	}
	if teamSize.Valid {
		n := int(teamSize.Int32)
		l.TeamSize = &n
	}
	for _, part := range []struct {
		raw  []byte
		into any
	}{{answers, &l.Answers}, {scores, &l.Scores}, {consents, &l.Consents}, {emails, &l.Emails}} {
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return nil, fmt.Errorf("load lead: %w", err)
		}
	}
	if owner != nil {
		var u User
		if err := json.Unmarshal(owner, &u); err != nil {
			return nil, fmt.Errorf("load lead: %w", err)
		}
		l.Owner = &u
	}
	l.CreatedAt = l.CreatedAt.UTC()
	for i := range l.Consents {
		l.Consents[i].DecidedAt = l.Consents[i].DecidedAt.UTC()
		l.Consents[i].WithdrawnAt = utcPtr(l.Consents[i].WithdrawnAt)
	}
	for i := range l.Emails {
		e := &l.Emails[i]
		e.QueuedAt = e.QueuedAt.UTC()
		e.LastAttemptAt, e.SentAt, e.FailedAt = utcPtr(e.LastAttemptAt), utcPtr(e.SentAt), utcPtr(e.FailedAt)
	}
	return &l, nil
}

// publicUser is what a job may know of a user: who they are, not their
// password hash or their account's dates.
func publicUser(u *User) *User {
	return &User{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// recordEmailSentSQL records a delivered email and its history entry in
// one statement; no row back means the lead has no such email.
const recordEmailSentSQL = `WITH e AS (
	UPDATE lead_emails SET attempts = attempts + 1, last_attempt_at = $3, sent_at = $3, failed_at = NULL
	WHERE lead_id = $1 AND kind = $2 RETURNING lead_id
)
INSERT INTO lead_activity (lead_id, actor_id, kind, detail, created_at)
SELECT lead_id, NULL, $4, $2, $3 FROM e RETURNING lead_id`

// recordEmailSentPostgres is RecordEmailSent in one round trip.
func (s *Store) recordEmailSentPostgres(ctx context.Context, leadID int64, kind string, at time.Time) error {
	var id int64
	err := s.pool.QueryRow(ctx, recordEmailSentSQL, leadID, kind, at, ActivityEmailSent).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("record email sent: %w", err)
	}
	return nil
}
