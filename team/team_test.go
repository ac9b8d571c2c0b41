package team_test

import (
	"reflect"
	"testing"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/team"
)

func TestParseInvitees(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		valid      []string
		problems   int
	}{
		{"lines, commas and spaces", "a@x.example\nb@x.example, c@x.example;d@x.example e@x.example", []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"}, 0},
		{"repeat in another case", "a@x.example\nA@X.example", []string{"a@x.example"}, 1},
		{"own address", "me@x.example\nb@x.example", []string{"b@x.example"}, 1},
		{"named address", `"Bob" <bob@x.example>`, nil, 2},
		{"no domain dot", "bob@localhost", nil, 1},
		{"CRLF splits, never joins", "a@x.example\r\nBcc: b@x.example", []string{"a@x.example", "b@x.example"}, 1},
		{"control character", "a@x.example\x00b", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := team.ParseInvitees(tc.text, "ME@x.example")
			if !reflect.DeepEqual(got.Valid, tc.valid) || len(got.Problems) != tc.problems {
				t.Errorf("got %q with problems %q; want %q and %d problems", got.Valid, got.Problems, tc.valid, tc.problems)
			}
		})
	}
}

func TestUnlockAtNeverBelowThree(t *testing.T) {
	for setting, want := range map[int]int{0: 3, 1: 3, 3: 3, 5: 5} {
		if got := team.UnlockAt(setting); got != want {
			t.Errorf("UnlockAt(%d) = %d, want %d", setting, got, want)
		}
	}
}

func TestBuildReportPoolsAndFindsDifferences(t *testing.T) {
	def := diagnostictest.Shipped(t)
	own, all := map[string]int{}, []map[string]int{{}, {}, {}}
	for _, d := range def.Dimensions {
		own[d.ID] = 50
		all[0][d.ID], all[1][d.ID], all[2][d.ID] = 80, 90, 100
	}
	first := def.Dimensions[0].ID
	all[0][first], all[1][first], all[2][first] = 10, 50, 90
	r := team.BuildReport(def, own, all)
	if r.Answers != 3 || r.Dimensions[0].Average != 50 || r.Dimensions[0].Agreement != team.AgreeLittle {
		t.Errorf("first dimension = %+v", r.Dimensions[0])
	}
	if d := r.Dimensions[1]; d.Average != 90 || d.Spread != 8 || d.Agreement != team.AgreeClosely || d.Gap != 40 {
		t.Errorf("second dimension = %+v", d)
	}
	if len(r.Differences) != len(def.Dimensions)-1 {
		t.Errorf("%d differences, want every dimension but the first", len(r.Differences))
	}
}

func TestUnlockedAtTheSettingNeverBelowThree(t *testing.T) {
	for _, tc := range []struct {
		answers, setting int
		want             bool
	}{{2, 3, false}, {3, 3, true}, {2, 1, false}, {3, 1, true}, {4, 5, false}, {5, 5, true}, {0, 0, false}} {
		if got := team.Unlocked(tc.answers, tc.setting); got != tc.want {
			t.Errorf("Unlocked(%d answers, TEAM_MIN_ANSWERS=%d) = %v, want %v", tc.answers, tc.setting, got, tc.want)
		}
	}
}
