package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// teamRows is every row of the team's tables.
func teamRows(t *testing.T, store *models.Store) []string {
	var rows []string
	for _, r := range modelstest.AllRows(t, store) {
		if strings.HasPrefix(r, "team_") {
			rows = append(rows, r)
		}
	}
	return rows
}

// teamOf saves a lead, invites two colleagues and stores one answer; the
// invitations' emails stay unsent, so one address waits in the outbox.
func teamOf(t *testing.T, store *models.Store, created time.Time) *models.Lead {
	t.Helper()
	ctx := context.Background()
	l := sampleLead(t)
	l.CreatedAt = created
	if err := store.SaveLead(ctx, l); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	n, err := store.CreateInvitations(ctx, l.ID, []string{"grace@navy.example", "mary@nasa.example", "grace@navy.example"}, time.Now(),
		func(_ context.Context, _ models.Tx, got []int64) error { ids = got; return nil })
	if err != nil || n != 2 || len(ids) != 2 {
		t.Fatalf("created %d (%v), ids %v", n, err, ids)
	}
	if err := store.InviteSent(ctx, ids[0], time.Now()); err != nil {
		t.Fatal(err)
	}
	p, err := store.PendingInvite(ctx, ids[1])
	if err != nil || p.Email != "mary@nasa.example" {
		t.Fatalf("pending invite = %+v, %v", p, err)
	}
	inv := p.Invitation
	err = store.SaveTeamAnswer(ctx, inv.Token, models.TeamAnswer{DiagnosticVersion: l.DiagnosticVersion, Answers: `{}`, Scores: `{}`}, 3, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveTeamAnswer(ctx, inv.Token, models.TeamAnswer{DiagnosticVersion: l.DiagnosticVersion, Answers: `{}`, Scores: `{}`}, 3, time.Now(), nil); !errors.Is(err, models.ErrInvitationUsed) {
		t.Errorf("a second answer = %v, want ErrInvitationUsed", err)
	}
	return l
}

func TestEraseLeadDeletesItsTeam(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			l := teamOf(t, store, time.Now())
			if found := modelstest.FindText(t, store, "grace@navy.example"); len(found) != 0 {
				t.Errorf("a sent invitation's address is kept: %v", found)
			}
			if len(teamRows(t, store)) == 0 {
				t.Fatal("no team rows to erase")
			}
			ctx := context.Background()
			admin, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.EraseLead(ctx, l.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			if rows := teamRows(t, store); len(rows) != 0 {
				t.Errorf("left after erasure: %v", rows)
			}
		})
	}
}

func TestRetentionDeletesTeams(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			now := time.Now().UTC()
			teamOf(t, store, now.Add(-800*24*time.Hour))
			if _, err := store.ApplyRetention(ctx, models.Retention{Days: 730, Now: now}); err != nil {
				t.Fatal(err)
			}
			if rows := teamRows(t, store); len(rows) != 0 {
				t.Errorf("left after retention: %v", rows)
			}
			if found := modelstest.FindText(t, store, "mary@nasa.example"); len(found) != 0 {
				t.Errorf("a waiting address survived retention: %v", found)
			}
		})
	}
}

// TestTeamCountsAndUnlockEvent: the lead's counts move with its
// invitations and answers, and the answer that unlocks the team view
// emits lead.updated, once, in its own transaction: a failing hook undoes
// the answer.
func TestTeamCountsAndUnlockEvent(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			log := &eventLog{}
			store.OnLeadEvents(log.hook)
			l := sampleLead(t)
			if err := store.SaveLead(ctx, l); err != nil {
				t.Fatal(err)
			}
			log.take()
			var ids []int64
			_, err := store.CreateInvitations(ctx, l.ID, []string{"a@team.example", "b@team.example", "c@team.example", "d@team.example"}, time.Now(),
				func(_ context.Context, _ models.Tx, got []int64) error { ids = got; return nil })
			if err != nil {
				t.Fatal(err)
			}
			counts := func() (int, int) {
				got, err := store.LeadByID(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.TeamInvited, got.TeamAnswers
			}
			if inv, ans := counts(); inv != 4 || ans != 0 {
				t.Fatalf("after inviting: %d invited, %d answers; want 4, 0", inv, ans)
			}
			unlocks := 0
			answer := func(i int) error {
				inv, err := store.PendingInvite(ctx, ids[i])
				if err != nil {
					t.Fatal(err)
				}
				return store.SaveTeamAnswer(ctx, inv.Invitation.Token, models.TeamAnswer{DiagnosticVersion: l.DiagnosticVersion, Answers: `{}`, Scores: `{}`},
					3, time.Now(), func(context.Context, models.Tx, int64) error { unlocks++; return nil })
			}
			for i := range 2 {
				if err := answer(i); err != nil {
					t.Fatal(err)
				}
			}
			if inv, ans := counts(); inv != 4 || ans != 2 || len(log.take()) != 0 || unlocks != 0 {
				t.Fatalf("after two answers: %d invited, %d answers, %d unlocks; want 4, 2, 0 and no event", inv, ans, unlocks)
			}

			// A hook that fails undoes the third answer and its count.
			log.fail = errors.New("receiver down")
			if err := answer(2); err == nil {
				t.Fatal("the third answer was saved although its event failed")
			}
			if _, ans := counts(); ans != 2 {
				t.Errorf("a failed unlock left %d answers, want 2", ans)
			}
			log.fail = nil
			if err := answer(2); err != nil {
				t.Fatal(err)
			}
			events := log.take()
			if len(events) != 1 || events[0].Type != models.EventLeadUpdated || events[0].LeadID != l.ID ||
				events[0].Data["team_view"] != "unlocked" || events[0].Data["team_answers"] != 3 || unlocks != 1 {
				t.Fatalf("unlock: events %+v, %d unlock hooks; want one lead.updated team_view=unlocked team_answers=3", events, unlocks)
			}
			if err := answer(3); err != nil {
				t.Fatal(err)
			}
			if inv, ans := counts(); inv != 4 || ans != 4 || len(log.take()) != 0 || unlocks != 1 {
				t.Errorf("a fourth answer: %d invited, %d answers, %d unlocks; want 4, 4, 1 and no new event", inv, ans, unlocks)
			}

			admin, err := store.CreateUser(ctx, "dana@stellapop.example", "Dana Scully", models.RoleAdmin, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.EraseLead(ctx, l.ID, admin.ID); err != nil {
				t.Fatal(err)
			}
			if inv, ans := counts(); inv != 0 || ans != 0 {
				t.Errorf("after erasure: %d invited, %d answers; want 0, 0", inv, ans)
			}
		})
	}
}

// TestTeamCountsBackfill: the migration that added the counts fills them
// from the invitations and answers already there.
func TestTeamCountsBackfill(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			l := teamOf(t, store, time.Now()) // two invited, one answer
			other := sampleLead(t)
			other.Email = "someone.else@example.com"
			if err := store.SaveLead(ctx, other); err != nil {
				t.Fatal(err)
			}
			if err := store.BackfillTeamCounts(ctx); err != nil {
				t.Fatal(err)
			}
			for _, want := range []struct {
				id                int64
				invited, answered int
			}{{l.ID, 2, 1}, {other.ID, 0, 0}} {
				got, err := store.LeadByID(ctx, want.id)
				if err != nil {
					t.Fatal(err)
				}
				if got.TeamInvited != want.invited || got.TeamAnswers != want.answered {
					t.Errorf("lead %d after the backfill: %d invited, %d answers; want %d, %d", want.id, got.TeamInvited, got.TeamAnswers, want.invited, want.answered)
				}
			}
		})
	}
}

// TestTeamAnswersAtOnceUnlockOnce: colleagues answering at the same moment
// are counted one after another, so the view unlocks exactly once however
// the answers interleave.
func TestTeamAnswersAtOnceUnlockOnce(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			store := modelstest.Open(t, dialect)
			l := sampleLead(t)
			if err := store.SaveLead(ctx, l); err != nil {
				t.Fatal(err)
			}
			var emails []string
			for i := range 6 {
				emails = append(emails, fmt.Sprintf("colleague%d@team.example", i))
			}
			var ids []int64
			if _, err := store.CreateInvitations(ctx, l.ID, emails, time.Now(), func(_ context.Context, _ models.Tx, got []int64) error { ids = got; return nil }); err != nil {
				t.Fatal(err)
			}
			var tokens []string
			for _, id := range ids {
				p, err := store.PendingInvite(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, p.Invitation.Token)
			}
			var unlocks atomic.Int32
			var wg sync.WaitGroup
			errs := make([]error, len(tokens))
			for i, token := range tokens {
				wg.Go(func() {
					errs[i] = store.SaveTeamAnswer(ctx, token, models.TeamAnswer{DiagnosticVersion: l.DiagnosticVersion, Answers: `{}`, Scores: `{}`},
						3, time.Now(), func(context.Context, models.Tx, int64) error { unlocks.Add(1); return nil })
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("answer %d: %v", i, err)
				}
			}
			got, err := store.LeadByID(ctx, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.TeamAnswers != 6 || unlocks.Load() != 1 {
				t.Errorf("%d answers at once: counted %d, unlocked %d times; want 6 and once", len(tokens), got.TeamAnswers, unlocks.Load())
			}
		})
	}
}
