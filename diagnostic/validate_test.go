package diagnostic

import (
	"strings"
	"testing"
)

func TestValidateSmallDefinitionIsValid(t *testing.T) {
	if err := small().Validate(); err != nil {
		t.Fatalf("small definition should be valid: %v", err)
	}
}

func TestValidateRejectsBrokenDefinitions(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(d *Definition)
		keepOptions bool // skip re-resolving options, to test a stale copy
		want        []string
	}{
		{"empty version", func(d *Definition) { d.Version = " " }, false, []string{"version is empty"}},
		{"empty title", func(d *Definition) { d.Title = "" }, false, []string{"title is empty"}},
		{"no dimensions", func(d *Definition) { d.Dimensions = nil }, false, []string{"no dimensions"}},
		{"no questions", func(d *Definition) { d.Questions = nil }, false, []string{"no questions", `dimension "a": no questions`}},
		{"no bands", func(d *Definition) { d.Bands = nil }, false, []string{"no bands"}},
		{"no scales", func(d *Definition) { d.Scales = nil }, false, []string{"no scales", `question "qa1": unknown scale "freq"`}},
		{"duplicate dimension", func(d *Definition) { d.Dimensions[1].ID = "a" }, false, []string{`dimension "a": duplicate id`}},
		{"duplicate question", func(d *Definition) { d.Questions[2].ID = "qa1" }, false, []string{`question "qa1": duplicate id`}},
		{"duplicate scale", func(d *Definition) { d.Scales[1].ID = "freq" }, false, []string{`scale "freq": duplicate id`}},
		{"duplicate band", func(d *Definition) { d.Bands[1].ID = "high" }, false, []string{`band "high": duplicate id`}},
		{"duplicate option value", func(d *Definition) { d.Scales[0].Options[1].Value = 1 }, false, []string{`scale "freq": duplicate option value 1`}},
		{"empty dimension id", func(d *Definition) { d.Dimensions[0].ID = "" }, false, []string{"dimension #1: id is empty"}},
		{"empty question id", func(d *Definition) { d.Questions[0].ID = "" }, false, []string{"question #1: id is empty"}},
		{"unknown dimension", func(d *Definition) { d.Questions[2].Dimension = "visoin" }, false, []string{`question "qb1": unknown dimension "visoin"`}},
		{"unknown scale", func(d *Definition) { d.Questions[0].Scale = "freqency" }, false, []string{`question "qa1": unknown scale "freqency"`}},
		{"dimension without questions", func(d *Definition) { d.Questions[2].Dimension = "a" }, false, []string{`dimension "b": no questions`}},
		{"scale without options", func(d *Definition) { d.Scales[1].Options = nil }, false, []string{`scale "rev": no options`}},
		{"negative points", func(d *Definition) { d.Scales[0].Options[0].Points = -1 }, false, []string{`scale "freq": option 1 has negative points -1`}},
		{"scale worth nothing", func(d *Definition) {
			for i := range d.Scales[1].Options {
				d.Scales[1].Options[i].Points = 0
			}
		}, false, []string{`scale "rev": no option earns any points`}},
		{"empty question text", func(d *Definition) { d.Questions[2].Text = "" }, false, []string{`question "qb1": text is empty`}},
		{"empty advice section", func(d *Definition) { d.Dimensions[1].Advice.Section = "" }, false, []string{`dimension "b": advice section is empty`}},
		{"no call questions", func(d *Definition) { d.Dimensions[0].CallQuestions = nil }, false, []string{`dimension "a": no call_questions`}},
		{"empty call question", func(d *Definition) { d.Dimensions[1].CallQuestions = []string{"Why?", " "} }, false, []string{`dimension "b": call question 2 is empty`}},
		{"too many call questions", func(d *Definition) { d.Dimensions[1].CallQuestions = []string{"1?", "2?", "3?", "4?"} }, false, []string{`dimension "b": 4 call_questions, at most 3`}},
		{"stale options", func(d *Definition) { d.Questions[1].Options = d.Questions[0].Options }, true, []string{`question "qa2": options do not match scale "rev"`}},
		{"band gap", func(d *Definition) { d.Bands[1].Max = 48 }, false, []string{`bands "low" and "high": gap at 49`}},
		{"band overlap", func(d *Definition) { d.Bands[1].Max = 51 }, false, []string{`bands "low" and "high": overlap at 50..51`}},
		{"gap at the bottom", func(d *Definition) { d.Bands[1].Min = 5 }, false, []string{`band "low": gap below it at 0..4`}},
		{"gap at the top", func(d *Definition) { d.Bands[0].Max = 95 }, false, []string{`band "high": gap above it at 96..100`}},
		{"min above max", func(d *Definition) { d.Bands[1].Min = 60 }, false, []string{`band "low": min 60 is greater than max 49`}},
		{"band above 100", func(d *Definition) { d.Bands[0].Max = 120 }, false, []string{`band "high": range 50..120 goes outside 0..100`}},
		{"band below 0", func(d *Definition) { d.Bands[1].Min = -10 }, false, []string{`band "low": range -10..49 goes outside 0..100`}},
		{"bands lowest first", func(d *Definition) { d.Bands[0], d.Bands[1] = d.Bands[1], d.Bands[0] }, false, []string{"not listed highest first"}},
		{"several problems at once", func(d *Definition) {
			d.Title = ""
			d.Questions[0].Dimension = "visoin"
		}, false, []string{"title is empty", `question "qa1": unknown dimension "visoin"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small()
			tt.mutate(d)
			if !tt.keepOptions {
				resolve(d)
			}
			err := d.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() error %q\ndoes not mention %q", err, w)
				}
			}
		})
	}
}
