package models_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// statsLead is a lead for the summary tests: sampleLead (answers 4 and 2
// to the first two questions; develops 75, trust 50, index 63; team of 12)
// with its own source, band and day.
func statsLead(t *testing.T, email, source, campaign, band string, size *int, created time.Time) *models.Lead {
	t.Helper()
	l := sampleLead(t)
	l.Email, l.Band, l.TeamSize, l.CreatedAt = email, band, size, created
	l.Source = models.Source{UTMSource: source, UTMCampaign: campaign}
	return l
}

func TestSummariesFollowEveryChange(t *testing.T) {
	day1 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	day2 := time.Date(2026, 11, 3, 23, 30, 0, 0, time.UTC)
	three, forty := 3, 40
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := t.Context()
			admin, err := store.CreateUser(ctx, "ana@stellapop.example", "Ana Admin", models.RoleAdmin, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			a := statsLead(t, "a@example.com", "linkedin", "spring", "emerging", &three, day1)
			b := statsLead(t, "b@example.com", "linkedin", "spring", "emerging", &three, day1)
			c := statsLead(t, "c@example.com", "newsletter", "", "strong", &forty, day2)
			d := statsLead(t, "d@example.com", "", "", "strong", nil, day2)
			for _, l := range []*models.Lead{a, b, c, d} {
				if err := store.SaveLead(ctx, l); err != nil {
					t.Fatal(err)
				}
			}
			// b goes to proposal and is lost: it reached proposal.
			for _, s := range []string{models.StatusContacted, models.StatusProposal, models.StatusLost} {
				l, err := store.LeadByID(ctx, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := store.SetLeadStatus(ctx, b.ID, l.Version, s, admin.ID); err != nil {
					t.Fatal(err)
				}
			}
			// c is won; d is erased, which clears nothing d's rows group by
			// but its (absent) team size and source.
			l, err := store.LeadByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.SetLeadStatus(ctx, c.ID, l.Version, models.StatusWon, admin.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := store.EraseLead(ctx, a.ID, admin.ID); err != nil {
				t.Fatal(err)
			}

			// a was erased: its source and campaign hold no address, so
			// erasure keeps them and a stays in its rows (see the campaigns
			// below).
			scores, err := store.ScoreStats(ctx, "v1")
			if err != nil {
				t.Fatal(err)
			}
			// Every lead scored develops 75, trust 50, index 63. a's team
			// size went with its erasure; d gave none.
			var wantScores []models.ScoreStat
			for _, dim := range []struct {
				id    string
				score int
			}{{"", 63}, {"develops", 75}, {"trust", 50}} {
				wantScores = append(wantScores,
					models.ScoreStat{DiagnosticVersion: "v1", TeamBracket: "", Dimension: dim.id, Score: dim.score, Status: "new", Leads: 2},
					models.ScoreStat{DiagnosticVersion: "v1", TeamBracket: "1–5", Dimension: dim.id, Score: dim.score, Status: "lost", Leads: 1},
					models.ScoreStat{DiagnosticVersion: "v1", TeamBracket: "26+", Dimension: dim.id, Score: dim.score, Status: "won", Leads: 1},
				)
			}
			if !reflect.DeepEqual(scores, wantScores) {
				t.Errorf("score stats =\n%+v\nwant\n%+v", scores, wantScores)
			}

			answers, err := store.AnswerStats(ctx, "v1", "2026-11-03", "2026-11-03")
			if err != nil {
				t.Fatal(err)
			}
			if len(answers) != 2 || answers[0].Answers != 2 || answers[1].Answers != 2 {
				t.Errorf("answers on 3 November = %+v, want both questions answered by c and d", answers)
			}

			campaigns, err := store.CampaignResults(ctx, "v1", "2026-11-01", "2026-11-30")
			if err != nil {
				t.Fatal(err)
			}
			wantCampaigns := []models.CampaignResult{
				{Source: "", Campaign: "", Leads: 1},
				{Source: "linkedin", Campaign: "spring", Leads: 2, Qualified: 1, Proposals: 1},
				{Source: "newsletter", Campaign: "", Leads: 1, Qualified: 1, Proposals: 1, Won: 1},
			}
			if !reflect.DeepEqual(campaigns, wantCampaigns) {
				t.Errorf("campaign results =\n%+v\nwant\n%+v", campaigns, wantCampaigns)
			}
			bands, err := store.BandOutcomes(ctx, "v1", "2026-11-01", "2026-11-30")
			if err != nil {
				t.Fatal(err)
			}
			wantBands := []models.BandOutcome{{"emerging", "lost", 1}, {"emerging", "new", 1}, {"strong", "new", 1}, {"strong", "won", 1}}
			if !reflect.DeepEqual(bands, wantBands) {
				t.Errorf("band outcomes = %+v, want %+v", bands, wantBands)
			}

			// No emptied row is left behind by the moves.
			for _, table := range []string{"score_stats", "campaign_stats", "band_stats", "answer_stats"} {
				var n int64
				col := "leads"
				if table == "answer_stats" {
					col = "answers"
				}
				if err := store.SQLDB().QueryRow("SELECT count(*) FROM " + table + " WHERE " + col + " = 0").Scan(&n); err != nil || n != 0 {
					t.Errorf("%s holds %d emptied rows (%v)", table, n, err)
				}
			}
			// The kept-up tables are exactly what a rebuild from the leads gives.
			scoresBefore, answersBefore := scores, answers
			if err := store.RebuildStats(ctx); err != nil {
				t.Fatal(err)
			}
			scores2, _ := store.ScoreStats(ctx, "v1")
			answers2, _ := store.AnswerStats(ctx, "v1", "2026-11-03", "2026-11-03")
			campaigns2, _ := store.CampaignResults(ctx, "v1", "2026-11-01", "2026-11-30")
			bands2, _ := store.BandOutcomes(ctx, "v1", "2026-11-01", "2026-11-30")
			if !reflect.DeepEqual(scores2, scoresBefore) || !reflect.DeepEqual(answers2, answersBefore) ||
				!reflect.DeepEqual(campaigns2, campaigns) || !reflect.DeepEqual(bands2, bands) {
				t.Errorf("rebuilt summaries differ from the kept-up ones:\n%+v\n%+v\n%+v\n%+v", scores2, answers2, campaigns2, bands2)
			}
		})
	}
}

func TestStageAfter(t *testing.T) {
	for _, tc := range []struct{ reached, status, want string }{
		{"", "new", "new"},
		{"new", "contacted", "contacted"},
		{"proposal", "contacted", "proposal"},
		{"proposal", "lost", "proposal"},
		{"won", "new", "won"},
		{"qualified", "won", "won"},
	} {
		if got := models.StageAfter(tc.reached, tc.status); got != tc.want {
			t.Errorf("StageAfter(%q, %q) = %q, want %q", tc.reached, tc.status, got, tc.want)
		}
	}
}

func TestTeamBracketOf(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		size *int
		want string
	}{{nil, ""}, {n(0), ""}, {n(1), "1–5"}, {n(5), "1–5"}, {n(6), "6–10"}, {n(25), "11–25"}, {n(26), "26+"}, {n(500), "26+"}} {
		if got := models.TeamBracketOf(tc.size); got != tc.want {
			t.Errorf("TeamBracketOf(%v) = %q, want %q", tc.size, got, tc.want)
		}
	}
}

// TestWithoutSummaryUpkeepSkipsOnlyTheSummaries: the benchmark's switch
// saves the lead whole and leaves the summaries alone, so what it saves
// is the upkeep's cost and nothing else.
func TestWithoutSummaryUpkeepSkipsOnlyTheSummaries(t *testing.T) {
	modelstest.NeedPostgres(t)
	url := modelstest.DatabaseURL(t)
	var stores [2]*models.Store
	for i, bare := range []bool{false, true} {
		s, err := models.Open(t.Context(), url, t.TempDir(), models.Options{WithoutSummaryUpkeep: bare})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	store, bare := stores[0], stores[1]
	if _, err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	l := sampleLead(t)
	if err := bare.SaveLead(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	got, err := store.LeadByID(t.Context(), l.ID)
	if err != nil || len(got.Answers) != 2 || len(got.Scores) != 2 {
		t.Fatalf("lead saved without the upkeep: %+v, %v", got, err)
	}
	size, err := store.SummarySize(t.Context())
	if err != nil || size != (models.StatsSize{}) {
		t.Errorf("summaries = %+v, %v; want empty", size, err)
	}
}
