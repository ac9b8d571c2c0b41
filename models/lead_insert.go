package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// insertLeadSQL writes a new lead and everything it owns in one statement,
// one round trip to PostgreSQL instead of one per table: the lead (unless
// its form already waits in quarantine), its answers, scores and consents
// (passed as parallel arrays), its two email delivery rows and its first
// history entry. When $43 names a purpose, the statement first counts the
// request against its client's limit (countRequestSQL's rule: $43 purpose,
// $44 client, $45 the minute) and saves nothing else when the count goes
// over $46. The row back holds the lead's id, NULL when the form is in
// quarantine or over the limit, and the count, NULL when none was asked.
var insertLeadSQL = `WITH counted AS (
	` + countRequestCTE("$43", "$44", "$45", "$43::text IS NOT NULL") + `
), lead AS (
	INSERT INTO leads (token, submission_key, name, email, company, role, team_size, diagnostic_version,
		overall_index, band, status, landing_page, referrer, utm_source, utm_medium, utm_campaign, utm_term,
		utm_content, created_at, owner_id, follow_up_on, version, touched_at, marketing_opt_in, erased_at, stage_reached)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, NULL, '', $20, NULL, $21, NULL, $42
	WHERE ($2::text IS NULL OR NOT EXISTS (SELECT 1 FROM quarantined_submissions WHERE submission_key = $2))
		AND ($46::int IS NULL OR (SELECT count FROM counted) <= $46)
	RETURNING id
), answers AS (
	INSERT INTO lead_answers (lead_id, question_id, position, dimension, question_text, value, label, points)
	SELECT lead.id, a.* FROM lead,
		unnest($22::text[], $23::int[], $24::text[], $25::text[], $26::int[], $27::text[], $28::int[]) AS a
), scores AS (
	INSERT INTO lead_scores (lead_id, dimension, position, score)
	SELECT lead.id, s.* FROM lead, unnest($29::text[], $30::int[], $31::int[]) AS s
), consents AS (
	INSERT INTO lead_consents (lead_id, purpose, granted, decided_at, wording_version, wording_sha256, wording, withdrawn_at)
	SELECT lead.id, c.* FROM lead,
		unnest($32::text[], $33::bool[], $34::timestamptz[], $35::text[], $36::text[], $37::text[], $38::timestamptz[]) AS c
), emails AS (
	INSERT INTO lead_emails (lead_id, kind, message_id, queued_at, attempts, last_attempt_at, last_error, sent_at, failed_at)
	SELECT lead.id, e.kind, e.message_id, $19, 0, NULL, '', NULL, NULL FROM lead,
		unnest($39::text[], $40::text[]) AS e (kind, message_id)
), activity AS (
	INSERT INTO lead_activity (lead_id, actor_id, kind, detail, created_at)
	SELECT lead.id, NULL, $41, '', $19 FROM lead
), campaign_stats_up AS (
	INSERT INTO campaign_stats (day, diagnostic_version, utm_source, utm_campaign, slot, leads, qualified, proposals, won)
	SELECT to_char($19::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'), $8, $14, $16, lead.id % ` + statsSlotsSQL + `, 1,
		CASE WHEN $42 IN ` + stagesFrom(StatusQualified) + ` THEN 1 ELSE 0 END,
		CASE WHEN $42 IN ` + stagesFrom(StatusProposal) + ` THEN 1 ELSE 0 END,
		CASE WHEN $42 IN ` + stagesFrom(StatusWon) + ` THEN 1 ELSE 0 END FROM lead
	ON CONFLICT (day, diagnostic_version, utm_source, utm_campaign, slot)
	DO UPDATE SET leads = campaign_stats.leads + 1, qualified = campaign_stats.qualified + excluded.qualified,
		proposals = campaign_stats.proposals + excluded.proposals, won = campaign_stats.won + excluded.won
), band_stats_up AS (
	INSERT INTO band_stats (day, diagnostic_version, band, status, slot, leads)
	SELECT to_char($19::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'), $8, $10, $11, lead.id % ` + statsSlotsSQL + `, 1 FROM lead
	ON CONFLICT (day, diagnostic_version, band, status, slot)
	DO UPDATE SET leads = band_stats.leads + 1
), score_stats_up AS (
	INSERT INTO score_stats (diagnostic_version, team_bracket, dimension, score, status, slot, leads)
	SELECT $8, ` + teamBracketOfParam + `, s.dimension, s.score, $11, lead.id % ` + statsSlotsSQL + `, 1
	FROM lead, (SELECT * FROM unnest($29::text[], $31::int[]) UNION ALL SELECT '', $9::int) AS s (dimension, score)
	ON CONFLICT (diagnostic_version, dimension, team_bracket, score, status, slot)
	DO UPDATE SET leads = score_stats.leads + 1
), answer_stats_up AS (
	INSERT INTO answer_stats (day, diagnostic_version, question_id, value, slot, answers)
	SELECT to_char($19::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'), $8, a.question_id, a.value, lead.id % ` + statsSlotsSQL + `, 1
	FROM lead, unnest($22::text[], $26::int[]) AS a (question_id, value)
	ON CONFLICT (diagnostic_version, day, question_id, value, slot)
	DO UPDATE SET answers = answer_stats.answers + 1
)
` + insertLeadResultSQL

// insertLeadResultSQL is the row insertLeadSQL returns: the lead's id and
// the request count, either of them NULL.
const insertLeadResultSQL = `SELECT (SELECT id FROM lead), (SELECT count FROM counted)`

// statsSlotsSQL and teamBracketOfParam put the summaries' rules into
// insertLeadSQL: the lead's new rows in campaign_stats, band_stats,
// score_stats and answer_stats (see stats.go) go in with the lead itself.
var (
	statsSlotsSQL      = strconv.Itoa(statsSlots)
	teamBracketOfParam = teamBracketSQL("$7::int")
)

// insertLeadWithoutStatsSQL is insertLeadSQL without the parts that keep
// the summaries up, for measuring what they cost (WithoutSummaryUpkeep).
func insertLeadWithoutStatsSQL() string {
	head, _, ok := strings.Cut(insertLeadSQL, "), campaign_stats_up AS (")
	if !ok {
		panic("insertLeadSQL has no campaign_stats_up part")
	}
	return head + ")\n" + insertLeadResultSQL
}

// insertLeadPostgres is insertLead for PostgreSQL, in one statement: see
// insertLeadSQL. A form already in quarantine, or already saved as a lead,
// is ErrDuplicateSubmission. With a count asked (limit.Purpose set), a
// submission over the limit is ErrOverLimit, and only the count was made.
func insertLeadPostgres(ctx context.Context, tx pgx.Tx, stmt string, lead *Lead, limit RequestLimit) error {
	n := len(lead.Answers)
	qIDs, qPos, qDim, qText, qVal, qLabel, qPoints := make([]string, n), make([]int32, n), make([]string, n), make([]string, n), make([]int32, n), make([]string, n), make([]int32, n)
	for i, a := range lead.Answers {
		qIDs[i], qPos[i], qDim[i], qText[i], qVal[i], qLabel[i], qPoints[i] = a.QuestionID, int32(a.Position), a.Dimension, a.QuestionText, int32(a.Value), a.Label, int32(a.Points)
	}
	n = len(lead.Scores)
	sDim, sPos, sScore := make([]string, n), make([]int32, n), make([]int32, n)
	for i, s := range lead.Scores {
		sDim[i], sPos[i], sScore[i] = s.Dimension, int32(s.Position), int32(s.Score)
	}
	n = len(lead.Consents)
	cPurpose, cGranted, cAt, cVersion, cSHA, cWording, cWithdrawn := make([]string, n), make([]bool, n), make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]*time.Time, n)
	for i, c := range lead.Consents {
		cPurpose[i], cGranted[i], cAt[i], cVersion[i], cSHA[i], cWording[i], cWithdrawn[i] = c.Purpose, c.Granted, c.DecidedAt, c.WordingVersion, c.WordingSHA256, c.Wording, c.WithdrawnAt
	}
	eKinds, eIDs := make([]string, len(EmailKinds)), make([]string, len(EmailKinds))
	for i, kind := range EmailKinds {
		eKinds[i], eIDs[i] = kind, messageIDFor(lead.Token, kind)
	}
	var teamSize *int32
	if lead.TeamSize != nil {
		v := int32(*lead.TeamSize)
		teamSize = &v
	}
	src := lead.Source
	var purpose, client *string
	var window *int64
	var most *int32
	if limit.Purpose != "" {
		w, _ := RateMinute(limit.At)
		perMinute := int32(limit.PerMinute)
		purpose, client, window, most = &limit.Purpose, &limit.Client, &w, &perMinute
	}
	var id *int64
	var count *int32
	err := tx.QueryRow(ctx, stmt,
		lead.Token, lead.SubmissionKey, lead.Name, lead.Email, lead.Company, lead.Role, teamSize, lead.DiagnosticVersion,
		lead.OverallIndex, lead.Band, lead.Status, src.LandingPage, src.Referrer, src.UTMSource, src.UTMMedium, src.UTMCampaign, src.UTMTerm,
		src.UTMContent, lead.CreatedAt, lead.Version, lead.MarketingOptIn,
		qIDs, qPos, qDim, qText, qVal, qLabel, qPoints,
		sDim, sPos, sScore,
		cPurpose, cGranted, cAt, cVersion, cSHA, cWording, cWithdrawn,
		eKinds, eIDs, ActivityCreated, lead.StageReached,
		purpose, client, window, most,
	).Scan(&id, &count)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && lead.SubmissionKey != nil:
		return ErrDuplicateSubmission
	case err != nil:
		return fmt.Errorf("insert lead: %w", err)
	case count != nil && int(*count) > limit.PerMinute:
		return ErrOverLimit
	case id == nil:
		return ErrDuplicateSubmission
	}
	lead.ID = *id
	lead.own()
	return nil
}

// saveLeadPostgres is SaveLead's transaction on PostgreSQL: the lead in one
// statement, then the hooks, whose jobs go in one more, in one pgx
// transaction. It goes to pgx
// directly because database/sql would turn each of the statement's arrays
// into text and back, which was a third of a submission's CPU time.
//
// A submission over its limit commits its count and nothing else. The
// count's row stays locked until the commit, so one client's submissions
// in the same minute take turns; different clients' never meet.
func (s *Store) saveLeadPostgres(ctx context.Context, lead *Lead, limit RequestLimit, hooks []TxHook) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if err := insertLeadPostgres(ctx, tx, s.insertLeadStmt, lead, limit); err != nil {
		if errors.Is(err, ErrOverLimit) {
			if cerr := tx.Commit(ctx); cerr != nil {
				return cerr
			}
		}
		return err
	}
	if err := runHooks(ctx, Tx{Pgx: tx}, lead, hooks); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
