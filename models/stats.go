package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The insight tables (campaign_stats, band_stats, score_stats,
// answer_stats) are summaries
// of the leads kept up in the same transaction as every change they count:
// a new lead adds itself, a status change or an erasure moves the lead from
// its old rows to its new ones. Each table is therefore exactly a GROUP BY
// over the leads at every commit, which RebuildStats recomputes and a test
// compares against. Kept up in the transaction rather than by a periodic
// job, the figures are never behind: a consultant who marks a lead won sees
// it in the campaign report at once, and no job has to find what changed.
// On PostgreSQL a new lead's rows go in with the statement that inserts the
// lead (see insertLeadSQL), so they cost no extra round trip.

// statsSlots is how many rows share each group (by lead id modulo it), so
// concurrent submissions of the same kind on the same day rarely wait on
// one row's lock. Readers sum over the slots.
const statsSlots = 4

// TeamBracket is a range of team sizes the peer benchmark may compare
// within: sizes from Min to Max inclusive (Max 0: no upper end).
type TeamBracket struct {
	Label    string
	Min, Max int
}

// TeamBrackets are the team-size brackets, smallest first. A lead who gave
// no team size is in the bracket "".
var TeamBrackets = []TeamBracket{
	{Label: "1–5", Min: 1, Max: 5},
	{Label: "6–10", Min: 6, Max: 10},
	{Label: "11–25", Min: 11, Max: 25},
	{Label: "26+", Min: 26},
}

// TeamBracketOf is the bracket of a team size, "" for none.
func TeamBracketOf(size *int) string {
	if size == nil {
		return ""
	}
	for _, b := range TeamBrackets {
		if *size >= b.Min && (b.Max == 0 || *size <= b.Max) {
			return b.Label
		}
	}
	return ""
}

// teamBracketSQL is TeamBracketOf as an SQL expression over expr, built
// from TeamBrackets so the two cannot disagree.
func teamBracketSQL(expr string) string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, br := range TeamBrackets {
		cond := expr + " >= " + strconv.Itoa(br.Min)
		if br.Max != 0 {
			cond += " AND " + expr + " <= " + strconv.Itoa(br.Max)
		}
		b.WriteString(" WHEN " + cond + " THEN '" + br.Label + "'")
	}
	b.WriteString(" ELSE '' END")
	return b.String()
}

// stageRank is a status's place on the way to won; lost reaches nothing.
func stageRank(status string) int {
	for i, s := range pipelineStages {
		if s == status {
			return i
		}
	}
	return -1
}

// pipelineStages are the statuses a lead passes on its way to won, in
// order: the values of stage_reached.
var pipelineStages = []string{StatusNew, StatusContacted, StatusQualified, StatusProposal, StatusWon}

// StageAfter is the furthest stage reached once a lead that had reached
// reached moves to status.
func StageAfter(reached, status string) string {
	if stageRank(status) > stageRank(reached) {
		return status
	}
	if reached == "" {
		return StatusNew
	}
	return reached
}

// stageReachedSQL sets stage_reached for a move to status, in SQL, so an
// update needs no read of the lead first.
func stageReachedSQL(status string) clause.Expr {
	r := stageRank(status)
	if r < 0 {
		return gorm.Expr("stage_reached")
	}
	var lower []string
	for _, s := range pipelineStages[:r] {
		lower = append(lower, "'"+s+"'")
	}
	if len(lower) == 0 {
		return gorm.Expr("stage_reached")
	}
	return gorm.Expr("CASE WHEN stage_reached IN ("+strings.Join(lower, ", ")+") THEN ? ELSE stage_reached END", status)
}

// dayOfSQL is the UTC day (YYYY-MM-DD) of a timestamp column.
func dayOfSQL(dialect, column string) string {
	if dialect == Postgres {
		return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	// SQLite keeps times as text, in UTC here, starting with the date.
	return "substr(" + column + ", 1, 10)"
}

// statsUpserts are the statements that add sign times each lead in ids to
// the summary tables, read from the leads as they are in the transaction:
// every "IN ?" takes the ids, every "? * count(*)" the sign. answer_stats
// comes last: answers never change after a lead is saved, so a change to
// a lead moves its counts in every table but that one.
func statsUpserts(dialect string) []string {
	day := dayOfSQL(dialect, "l.created_at")
	slot := "l.id % " + strconv.Itoa(statsSlots)
	// "WHERE true" and a subquery keep SQLite from reading ON CONFLICT as
	// part of a join.
	return []string{
		`INSERT INTO score_stats (diagnostic_version, team_bracket, dimension, score, status, slot, leads)
		SELECT * FROM (
			SELECT l.diagnostic_version, ` + teamBracketSQL("l.team_size") + ` AS team_bracket, s.dimension, s.score,
				l.status, ` + slot + ` AS slot, ? * count(*) AS leads
			FROM leads l JOIN lead_scores s ON s.lead_id = l.id WHERE l.id IN ? GROUP BY 1, 2, 3, 4, 5, 6
			UNION ALL
			SELECT l.diagnostic_version, ` + teamBracketSQL("l.team_size") + `, '', l.overall_index,
				l.status, ` + slot + `, ? * count(*)
			FROM leads l WHERE l.id IN ? GROUP BY 1, 2, 3, 4, 5, 6) AS t WHERE true
		ON CONFLICT (diagnostic_version, dimension, team_bracket, score, status, slot)
		DO UPDATE SET leads = score_stats.leads + excluded.leads`,
		`INSERT INTO campaign_stats (day, diagnostic_version, utm_source, utm_campaign, slot, leads, qualified, proposals, won)
		SELECT * FROM (SELECT ` + day + ` AS day, l.diagnostic_version, l.utm_source, l.utm_campaign, ` + slot + ` AS slot,
			? * count(*) AS leads,
			? * sum(CASE WHEN l.stage_reached IN ` + stagesFrom(StatusQualified) + ` THEN 1 ELSE 0 END) AS qualified,
			? * sum(CASE WHEN l.stage_reached IN ` + stagesFrom(StatusProposal) + ` THEN 1 ELSE 0 END) AS proposals,
			? * sum(CASE WHEN l.stage_reached IN ` + stagesFrom(StatusWon) + ` THEN 1 ELSE 0 END) AS won
		FROM leads l WHERE l.id IN ? GROUP BY 1, 2, 3, 4, 5) AS t WHERE true
		ON CONFLICT (day, diagnostic_version, utm_source, utm_campaign, slot)
		DO UPDATE SET leads = campaign_stats.leads + excluded.leads, qualified = campaign_stats.qualified + excluded.qualified,
			proposals = campaign_stats.proposals + excluded.proposals, won = campaign_stats.won + excluded.won`,
		`INSERT INTO band_stats (day, diagnostic_version, band, status, slot, leads)
		SELECT * FROM (SELECT ` + day + ` AS day, l.diagnostic_version, l.band, l.status, ` + slot + ` AS slot,
			? * count(*) AS leads
		FROM leads l WHERE l.id IN ? GROUP BY 1, 2, 3, 4, 5) AS t WHERE true
		ON CONFLICT (day, diagnostic_version, band, status, slot)
		DO UPDATE SET leads = band_stats.leads + excluded.leads`,
		`INSERT INTO answer_stats (day, diagnostic_version, question_id, value, slot, answers)
		SELECT * FROM (SELECT ` + day + ` AS day, l.diagnostic_version, a.question_id, a.value, ` + slot + ` AS slot,
			? * count(*) AS answers
		FROM leads l JOIN lead_answers a ON a.lead_id = l.id WHERE l.id IN ? GROUP BY 1, 2, 3, 4, 5) AS t WHERE true
		ON CONFLICT (diagnostic_version, day, question_id, value, slot)
		DO UPDATE SET answers = answer_stats.answers + excluded.answers`,
	}
}

// addStats adds sign (+1 or -1) times the leads ids, as they are now in
// tx, to the summary tables; withAnswers also counts their answers, which
// never change after a lead is saved.
func addStats(tx *gorm.DB, ids []int64, sign int, withAnswers bool) error {
	q := statsUpserts(tx.Dialector.Name())
	if !withAnswers {
		q = q[:len(q)-1]
	}
	return execStats(tx, q, ids, sign)
}

// execStats runs each statement over ids, a chunk at a time, with sign.
func execStats(tx *gorm.DB, stmts []string, ids []int64, sign int) error {
	for start := 0; start < len(ids); start += insertChunk {
		chunk := ids[start:min(start+insertChunk, len(ids))]
		for _, stmt := range stmts {
			if err := tx.Exec(stmt, statsArgs(stmt, sign, chunk)...).Error; err != nil {
				return fmt.Errorf("%s: %w", statsTable(stmt), err)
			}
		}
	}
	return nil
}

// statsArgs are a summary statement's arguments, in the order of its
// placeholders: ids for each "IN ?", sign for every other "?".
func statsArgs(stmt string, sign any, ids any) []any {
	var args []any
	for i := strings.IndexByte(stmt, '?'); i >= 0; i = strings.IndexByte(stmt, '?') {
		if strings.HasSuffix(stmt[:i], "IN ") {
			args = append(args, ids)
		} else {
			args = append(args, sign)
		}
		stmt = stmt[i+1:]
	}
	return args
}

// statsTable names the table a summary statement writes.
func statsTable(stmt string) string {
	stmt = strings.TrimPrefix(strings.TrimPrefix(stmt, "INSERT INTO "), "DELETE FROM ")
	table, _, _ := strings.Cut(stmt, " ")
	return table
}

// CompactStats rewrites the summary tables on PostgreSQL after a bulk
// load such as `intake seed`, whose batches update each summary row
// hundreds of times: the dead versions would otherwise stay in the
// tables' files, and every report would read past them. Nothing to do on
// SQLite, where the seed is small.
func (s *Store) CompactStats(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	var tables []string
	for _, stmt := range statsUpserts(Postgres) {
		tables = append(tables, statsTable(stmt))
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM (FULL, ANALYZE) " + strings.Join(tables, ", ")).Error; err != nil {
		return fmt.Errorf("compact the summary tables: %w", err)
	}
	return nil
}

// moveStats runs change, which alters what the summaries group the leads
// ids by (status, source, team size), and moves their counts from their
// old rows to their new ones, all in tx. A row the move empties is deleted
// (its values may be what an erasure cleared), found by its key: no index
// on the counts is needed, which would stop PostgreSQL updating a count in
// place (a HOT update) on every submission.
func moveStats(tx *gorm.DB, ids []int64, change func() error) error {
	if err := addStats(tx, ids, -1, false); err != nil {
		return err
	}
	if err := execStats(tx, statsEmptied(tx.Dialector.Name()), ids, -1); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	return addStats(tx, ids, +1, false)
}

// statsEmptied are the statements that delete the rows of the leads ids
// (as they are now) whose count is 0, in every table a change moves:
// each upsert's grouping, matched by the table's key.
func statsEmptied(dialect string) []string {
	ups := statsUpserts(dialect)
	var out []string
	for _, up := range ups[:len(ups)-1] {
		_, rest, _ := strings.Cut(up, "SELECT * FROM (")
		grouped, rest, _ := strings.Cut(rest, ") AS t WHERE true")
		_, rest, _ = strings.Cut(rest, "ON CONFLICT (")
		key, rest, _ := strings.Cut(rest, ")")
		_, rest, _ = strings.Cut(rest, "DO UPDATE SET ")
		count, _, _ := strings.Cut(rest, " ")
		out = append(out, "DELETE FROM "+statsTable(up)+" WHERE "+count+" = 0 AND ("+key+") IN (SELECT "+key+" FROM ("+grouped+") AS k)")
	}
	return out
}

// MetricLeadsWon counts, on the day it happens, a lead becoming won (and
// takes one off when a won lead's status changes again): the dashboard's
// "won" in a period.
const MetricLeadsWon = "leads_won"

// countWon records a status change from from to to in the won count of
// the day of now.
func countWon(tx *gorm.DB, from, to string, now time.Time) error {
	n := 0
	switch {
	case to == StatusWon && from != StatusWon:
		n = 1
	case from == StatusWon && to != StatusWon:
		n = -1
	default:
		return nil
	}
	return tx.Exec(addCountSQL, now.UTC().Format(DayLayout), MetricLeadsWon, n).Error
}

// RebuildStats recomputes every summary table from the leads, in one
// transaction: after a restore, or to check the kept-up figures. `intake
// stats rebuild` runs it; migrating to the summaries runs it once.
func (s *Store) RebuildStats(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return rebuildStats(tx) })
}

// rebuildStats is RebuildStats in tx. The won counts, being events rather
// than a summary of the leads, are filled from the history.
func rebuildStats(tx *gorm.DB) error {
	dialect := tx.Dialector.Name()
	q := statsUpserts(dialect)
	// On PostgreSQL TRUNCATE rather than DELETE: the rows the rebuild
	// writes would otherwise go after the dead ones, and every read would
	// scan both until a VACUUM FULL. It locks the table until the rebuild
	// commits, which a rebuild (at an upgrade's start, or by an operator)
	// can afford.
	clear := "DELETE FROM "
	if dialect == Postgres {
		clear = "TRUNCATE "
	}
	for _, stmt := range q {
		if err := tx.Exec(clear + statsTable(stmt)).Error; err != nil {
			return fmt.Errorf("rebuild %s: %w", statsTable(stmt), err)
		}
	}
	all := "SELECT id FROM leads"
	for _, stmt := range q {
		stmt = strings.ReplaceAll(stmt, "l.id IN ?", "l.id IN ("+all+")")
		if err := tx.Exec(stmt, statsArgs(stmt, 1, nil)...).Error; err != nil {
			return fmt.Errorf("rebuild %s: %w", statsTable(stmt), err)
		}
	}
	if err := tx.Exec("DELETE FROM daily_counts WHERE metric = ?", MetricLeadsWon).Error; err != nil {
		return fmt.Errorf("rebuild won counts: %w", err)
	}
	// A win is an entry "<from> → won"; leaving won is "won → <to>".
	err := tx.Exec(`INSERT INTO daily_counts (day, metric, count)
		SELECT day, ?, sum(n) FROM (
			SELECT `+dayOfSQL(dialect, "created_at")+` AS day,
				CASE WHEN detail LIKE ? THEN 1 ELSE -1 END AS n
			FROM lead_activity WHERE kind = ? AND (detail LIKE ? OR detail LIKE ?)
		) AS t GROUP BY day`,
		MetricLeadsWon, "%→ won", ActivityStatusChanged, "%→ won", "won →%").Error
	if err != nil {
		return fmt.Errorf("rebuild won counts: %w", err)
	}
	return nil
}

// statsMigrations are the migrations that create summary tables: the
// start that applies one fills them.
var statsMigrations = []string{"0020_insights.sql", "0021_insights_narrow.sql"}

// AnswerStat is how many leads chose option Value of a question.
type AnswerStat struct {
	QuestionID string
	Value      int
	Answers    int64
}

// AnswerStats sums the answers of one diagnostic version given by leads
// created from first to last (YYYY-MM-DD, inclusive).
func (s *Store) AnswerStats(ctx context.Context, version, first, last string) ([]AnswerStat, error) {
	var out []AnswerStat
	err := s.db.WithContext(ctx).Table("answer_stats").
		Select("question_id, value, sum(answers) AS answers").
		Where("diagnostic_version = ? AND day >= ? AND day <= ?", version, first, last).
		Group("question_id, value").Having("sum(answers) <> 0").
		Order("question_id, value").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read answer stats: %w", err)
	}
	return out, nil
}

// ScoreCount is how many leads of one diagnostic version and team bracket
// scored Score on Dimension ("" is the overall index), whatever their
// status.
type ScoreCount struct {
	TeamBracket string
	Dimension   string
	Score       int
	Leads       int64
}

// ScoreCounts lists the score summary of one diagnostic version summed
// over status, in one query along score_stats' primary key: what the peer
// benchmark compares a result with. lastLead is the highest lead id the
// same query saw: a lead with a higher id is surely not in counts, as the
// summary and the leads change in one transaction.
func (s *Store) ScoreCounts(ctx context.Context, version string) (counts []ScoreCount, lastLead int64, err error) {
	var rows []struct {
		ScoreCount
		LastLead *int64
	}
	err = s.db.WithContext(ctx).Table("score_stats").
		Select("team_bracket, dimension, score, sum(leads) AS leads, (SELECT max(id) FROM leads) AS last_lead").
		Where("diagnostic_version = ?", version).
		Group("dimension, team_bracket, score").Having("sum(leads) <> 0").
		Order("dimension, team_bracket, score").Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("read score counts: %w", err)
	}
	counts = make([]ScoreCount, len(rows))
	for i, r := range rows {
		counts[i] = r.ScoreCount
		if r.LastLead != nil {
			lastLead = *r.LastLead
		}
	}
	// No rows: no lead of the version is in the summary, whatever its id.
	return counts, lastLead, nil
}
