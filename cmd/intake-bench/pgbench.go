package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
)

// submitScript is one submission's transaction for pgbench as the portal
// sends it (captured with log_statement = all): the lead with its answers,
// scores, consents, two email delivery rows and history entry in one
// statement that also checks the quarantine, then River's insert of the
// two email jobs and its notification. The questions, the consent wording
// and its hashes come from the diagnostic and consent definitions the
// portal runs with, read by the diagnostic package as the portal reads
// them, so that the reference stores what the portal stores.
func submitScript() (string, error) {
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return "", err
	}
	cons, err := diagnostic.ParseConsent(content.ConsentJSON)
	if err != nil {
		return "", err
	}
	return buildSubmitScript(def, cons)
}

// pgbenchVariable is what pgbench would replace inside any text of the
// script, literals included.
var pgbenchVariable = regexp.MustCompile(`:[A-Za-z_]`)

// buildSubmitScript writes the script for a visitor who answers each
// question with its scale's middle option and grants every consent; the
// overall index varies, as the portal's visitors' answers do.
func buildSubmitScript(def *diagnostic.Definition, cons *diagnostic.Consent) (string, error) {
	answers := map[string]int{}
	var ids, dims, texts, labels []string
	var positions, values, points []int
	for i, q := range def.Questions {
		o := q.Options[len(q.Options)/2]
		answers[q.ID] = o.Value
		ids, dims, texts, labels = append(ids, q.ID), append(dims, q.Dimension), append(texts, q.Text), append(labels, o.Label)
		positions, values, points = append(positions, i+1), append(values, o.Value), append(points, o.Points)
	}
	res, err := def.Score(answers)
	if err != nil {
		return "", fmt.Errorf("score the script's answers: %w", err)
	}
	var scoreDims []string
	var scorePositions, scores []int
	for i, d := range res.Dimensions {
		scoreDims, scorePositions, scores = append(scoreDims, d.Dimension.ID), append(scorePositions, i+1), append(scores, d.Score)
	}
	var purposes, versions, hashes, wordings, granted, decided, withdrawn []string
	for _, p := range cons.Purposes {
		purposes, versions, hashes, wordings = append(purposes, p.ID), append(versions, cons.Version), append(hashes, p.SHA256), append(wordings, p.Label)
		granted, decided, withdrawn = append(granted, "true"), append(decided, "now()"), append(withdrawn, "NULL")
	}
	for _, s := range append(append(texts, labels...), wordings...) {
		if pgbenchVariable.MatchString(s) {
			return "", fmt.Errorf("pgbench would read a variable in %q", s)
		}
	}
	var b strings.Builder
	err = submitTemplate.Execute(&b, map[string]string{
		"Version": sqlText(def.Version), "Band": sqlText(res.Band.ID),
		"QuestionIDs": textArray(ids), "Positions": intArray(positions), "Dimensions": textArray(dims),
		"QuestionTexts": textArray(texts), "Values": intArray(values), "Labels": textArray(labels), "Points": intArray(points),
		"ScoreDimensions": textArray(scoreDims), "ScorePositions": intArray(scorePositions), "Scores": intArray(scores),
		"Purposes": textArray(purposes), "Granted": "ARRAY[" + strings.Join(granted, ",") + "]::bool[]",
		"DecidedAt":       "ARRAY[" + strings.Join(decided, ",") + "]::timestamptz[]",
		"WordingVersions": textArray(versions), "WordingHashes": textArray(hashes), "Wordings": textArray(wordings),
		"WithdrawnAt": "ARRAY[" + strings.Join(withdrawn, ",") + "]::timestamptz[]",
	})
	return b.String(), err
}

// sqlText is s as an SQL string literal.
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func textArray(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = sqlText(s)
	}
	return "ARRAY[" + strings.Join(quoted, ",") + "]::text[]"
}

func intArray(items []int) string {
	parts := make([]string, len(items))
	for i, n := range items {
		parts[i] = strconv.Itoa(n)
	}
	return "ARRAY[" + strings.Join(parts, ",") + "]::int[]"
}

// submitTemplate is the transaction; the values in {{.}} come from the
// definitions, already written as SQL.
var submitTemplate = template.Must(template.New("submit.pgbench").Parse(`\set n random(1, 1000000000)
\set idx random(0, 100)
BEGIN;
WITH lead AS (
	INSERT INTO leads (token, submission_key, name, email, company, role, team_size, diagnostic_version,
		overall_index, band, status, landing_page, referrer, utm_source, utm_medium, utm_campaign, utm_term,
		utm_content, created_at, owner_id, follow_up_on, version, touched_at, marketing_opt_in, erased_at)
	SELECT md5(random()::text), md5(:n::text || random()::text), 'Bench Visitor ' || :n, 'bench' || :n || '@example.com', 'Acme Bench', 'Head of Operations', 12, {{.Version}},
		:idx, {{.Band}}, 'new', '/diagnostic', '', '', '', '', '', '', now(), NULL, '', 1, NULL, true, NULL
	WHERE NOT EXISTS (SELECT 1 FROM quarantined_submissions WHERE submission_key = md5(:n::text))
	RETURNING id
), answers AS (
	INSERT INTO lead_answers (lead_id, question_id, position, dimension, question_text, value, label, points)
	SELECT lead.id, a.* FROM lead, unnest(
		{{.QuestionIDs}},
		{{.Positions}},
		{{.Dimensions}},
		{{.QuestionTexts}},
		{{.Values}},
		{{.Labels}},
		{{.Points}}) AS a
), scores AS (
	INSERT INTO lead_scores (lead_id, dimension, position, score)
	SELECT lead.id, s.* FROM lead, unnest({{.ScoreDimensions}}, {{.ScorePositions}}, {{.Scores}}) AS s
), consents AS (
	INSERT INTO lead_consents (lead_id, purpose, granted, decided_at, wording_version, wording_sha256, wording, withdrawn_at)
	SELECT lead.id, c.* FROM lead, unnest({{.Purposes}}, {{.Granted}}, {{.DecidedAt}},
		{{.WordingVersions}},
		{{.WordingHashes}},
		{{.Wordings}},
		{{.WithdrawnAt}}) AS c
), emails AS (
	INSERT INTO lead_emails (lead_id, kind, message_id, queued_at, attempts, last_attempt_at, last_error, sent_at, failed_at)
	SELECT lead.id, e.kind, e.message_id, now(), 0, NULL, '', NULL, NULL FROM lead,
		unnest(ARRAY['prospect_summary','team_notification']::text[], ARRAY['prospect_summary.' || md5(random()::text), 'team_notification.' || md5(random()::text)]::text[]) AS e (kind, message_id)
), activity AS (
	INSERT INTO lead_activity (lead_id, actor_id, kind, detail, created_at)
	SELECT lead.id, NULL, 'created', '', now() FROM lead
)
SELECT id FROM lead \gset
WITH raw_job_data AS (
    SELECT unnest(ARRAY[0, 0]::bigint[]) AS id,
        unnest(ARRAY[('{"lead_id": ' || :id || ', "email_kind": "prospect_summary"}'), ('{"lead_id": ' || :id || ', "email_kind": "team_notification"}')]::jsonb[]) AS args,
        unnest(ARRAY[now(), now()]::timestamptz[]) AS created_at,
        unnest(ARRAY['lead_email', 'lead_email']::text[]) AS kind,
        unnest(ARRAY[20, 20]::smallint[]) AS max_attempts,
        unnest(ARRAY['{}', '{}']::jsonb[]) AS metadata,
        unnest(ARRAY[1, 1]::smallint[]) AS priority,
        unnest(ARRAY['email', 'email']::text[]) AS queue,
        unnest(ARRAY[now(), now()]::timestamptz[]) AS scheduled_at,
        unnest(ARRAY['available', 'available']::text[]) AS state,
        unnest(ARRAY['', '']::text[]) AS tags,
        unnest(ARRAY['\x', '\x']::bytea[]) AS unique_key,
        unnest(ARRAY[0, 0]::integer[]) AS unique_states
)
INSERT INTO river_job(id, args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states)
SELECT coalesce(nullif(id, 0), nextval('river_job_id_seq'::regclass)), args,
    coalesce(nullif(created_at, '0001-01-01 00:00:00 +0000'), now()) AS created_at, kind, max_attempts,
    coalesce(metadata, '{}'::jsonb) AS metadata, priority, queue,
    coalesce(nullif(scheduled_at, '0001-01-01 00:00:00 +0000'), now()) AS scheduled_at,
    state::river_job_state, string_to_array(tags, ',')::varchar(255)[],
    nullif(unique_key, '')::bytea, nullif(unique_states::integer, 0)::bit(8)
FROM raw_job_data
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND river_job_state_in_bitmask(unique_states, state)
    DO UPDATE SET kind = river_job.kind
RETURNING river_job.id, river_job.args, river_job.attempt, river_job.attempted_at, river_job.attempted_by, river_job.created_at, river_job.errors,
    river_job.finalized_at, river_job.kind, river_job.max_attempts, river_job.metadata, river_job.priority, river_job.queue, river_job.state,
    river_job.scheduled_at, river_job.tags, river_job.unique_key, river_job.unique_states, (xmax != 0) AS unique_skipped_as_duplicate;
SELECT pg_notify(current_schema() || '.river_insert', '{"queue": "email"}');
COMMIT;
`))

var pgbenchTPS = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs script with n clients for dur and returns transactions
// per second.
func runPgbench(ctx context.Context, pgbench, dbURL, script string, n int, dur time.Duration) (float64, string, error) {
	secs := max(int(dur.Round(time.Second)/time.Second), 1)
	cmd := exec.CommandContext(ctx, pgbench, "-n", "-M", "prepared", "-c", strconv.Itoa(n), "-j", strconv.Itoa(n),
		"-T", strconv.Itoa(secs), "-f", script, dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, "", fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := pgbenchTPS.FindSubmatch(out)
	if m == nil {
		return 0, "", fmt.Errorf("pgbench: no tps in its output:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps, string(out), nil
}
