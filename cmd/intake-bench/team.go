package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

func init() { register(62, "team", benchTeam) }

// teamAnswers is how many colleagues answer for the lead the team row reads.
const teamAnswers = 50

// benchTeam times the team report of one lead with 50 colleagues' answers,
// among the seeded leads (a million in a full run), over HTTP as its
// inviter opens it: the lead's row, 50 answers pooled, the page rendered.
// The answers are added for the row and taken away after it, so a reused
// BENCH_LEADS_URL database is left as it was found.
func benchTeam(ctx context.Context, e *env) ([]row, error) {
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	// The portal migrates the database as it starts, so the team's
	// columns exist before the answers go in.
	p, _, err := e.startPortal(ctx, d.url, loadTest)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	db, err := sql.Open("pgx", d.url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	token, undo, err := addTeam(ctx, db, d.leads)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := undo(context.WithoutCancel(ctx)); err != nil {
			e.log.Printf("team: taking the bench's answers away: %v", err)
		}
	}()

	client := &http.Client{}
	get := func() (time.Duration, error) {
		start := time.Now()
		res, err := client.Get(p.base + "/results/" + token + "/team")
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		switch {
		case err != nil:
			return 0, err
		case res.StatusCode != http.StatusOK:
			return 0, fmt.Errorf("GET the team report: HTTP %d", res.StatusCode)
		case !strings.Contains(string(body), fmt.Sprintf("Pooled from %d colleagues", teamAnswers)):
			return 0, fmt.Errorf("the team report does not pool %d answers", teamAnswers)
		}
		return took, nil
	}
	reps := 200
	if e.smoke {
		reps = 10
	}
	var times []time.Duration
	for r := -5; r < reps; r++ { // a few to warm up first
		took, err := get()
		if err != nil {
			return nil, err
		}
		if r >= 0 {
			times = append(times, took)
		}
	}
	total := p95(times)

	// The inbox filtered on team views, which reads the lead's counts
	// through the partial index of the leads with a team: its plans are
	// logged, and it is timed as the inbox's pages are.
	store, err := models.Open(ctx, d.url, e.work, models.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	for _, q := range []struct {
		name string
		f    models.InboxFilter
	}{{"team=invited", models.InboxFilter{TeamInvited: true}}, {"team=unlocked", models.InboxFilter{TeamAnswersAtLeast: 3}}} {
		plan, err := store.ExplainInbox(ctx, q.f)
		if err != nil {
			return nil, err
		}
		e.log.Printf("inbox %-13s list: %s | count: %s", q.name, strings.Join(models.Indexes(plan.List), ", "), strings.Join(models.Indexes(plan.Count), ", "))
	}
	signedIn, err := d.signIn(p, "consultant")
	if err != nil {
		return nil, err
	}
	var inbox []time.Duration
	for r := -2; r < reps/4; r++ {
		for _, q := range []string{"team=invited", "team=unlocked"} {
			start := time.Now()
			res, err := signedIn.Get(p.base + "/admin/leads?" + q)
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			took := time.Since(start)
			switch {
			case err != nil:
				return nil, err
			case res.StatusCode != http.StatusOK:
				return nil, fmt.Errorf("GET /admin/leads?%s: HTTP %d", q, res.StatusCode)
			case !strings.Contains(string(body), "badge-team"):
				return nil, fmt.Errorf("GET /admin/leads?%s shows no lead with a team", q)
			}
			if r >= 0 {
				inbox = append(inbox, took)
			}
		}
	}
	return measuredWith(loadTest, []row{{
		Job:    fmt.Sprintf("team report of a lead with %d answers, %s leads, over HTTP", teamAnswers, thousands(float64(d.leads))),
		Portal: fmt.Sprintf("p95 %.1f ms, median %.1f ms", total, pct(times, 50)),
		Target: "p95 < 50 ms", Pass: under(total, 50),
	}, {
		Job:    fmt.Sprintf("inbox filtered on team views at %s leads over HTTP, signed in", thousands(float64(d.leads))),
		Portal: fmt.Sprintf("p95 %.1f ms, median %.1f ms", p95(inbox), pct(inbox, 50)),
		Target: "p95 < 50 ms", Pass: under(p95(inbox), 50),
	}}), nil
}

// addTeam gives the lead in the middle of the seeded ones teamAnswers
// colleagues' answers, varied, scored by the shipped diagnostic, and
// returns its result token and a function that takes them away again.
func addTeam(ctx context.Context, db *sql.DB, leads int) (string, func(context.Context) error, error) {
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return "", nil, err
	}
	var (
		id                int64
		token, version    string
		invited, answered int
	)
	err = db.QueryRowContext(ctx, `SELECT id, token, diagnostic_version, team_invited, team_answers FROM leads
		WHERE erased_at IS NULL ORDER BY id OFFSET $1 LIMIT 1`, leads/2).Scan(&id, &token, &version, &invited, &answered)
	if err != nil {
		return "", nil, fmt.Errorf("choose the team's lead: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	for i := range teamAnswers {
		answers := map[string]int{}
		for j, q := range def.Questions {
			answers[q.ID] = q.Options[(i*7+j*3)%len(q.Options)].Value
		}
		res, err := def.Score(answers)
		if err != nil {
			return "", nil, err
		}
		a, _ := json.Marshal(answers)
		s, _ := json.Marshal(res.Scores())
		_, err = tx.ExecContext(ctx, `INSERT INTO team_answers (id, lead_id, diagnostic_version, answers, scores, overall_index)
			VALUES ($1, $2, $3, $4, $5, $6)`, fmt.Sprintf("bench-%d-%02d", id, i), id, version, string(a), string(s), res.Index)
		if err != nil {
			return "", nil, fmt.Errorf("add a team answer: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE leads SET team_invited = team_invited + $2, team_answers = team_answers + $2 WHERE id = $1", id, teamAnswers); err != nil {
		return "", nil, err
	}
	if err := tx.Commit(); err != nil {
		return "", nil, err
	}
	undo := func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "DELETE FROM team_answers WHERE lead_id = $1 AND id LIKE 'bench-%'", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE leads SET team_invited = $2, team_answers = $3 WHERE id = $1", id, invited, answered); err != nil {
			return err
		}
		return tx.Commit()
	}
	return token, undo, nil
}
