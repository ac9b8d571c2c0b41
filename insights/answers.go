package insights

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// QuestionPattern is how the leads answered one question.
type QuestionPattern struct {
	ID, Text string
	Options  []OptionCount // the definition's options in order, then any it no longer has
	Total    int64
}

// OptionCount is how many leads chose one option.
type OptionCount struct {
	Value int
	Label string
	Count int64
}

// AnswerPatterns lays the answer counts out per question of def, in its
// order, each option labelled from def, including those nobody chose.
// Counts for a question or option def does not have (another version's)
// follow, labelled by their ids.
func AnswerPatterns(def *diagnostic.Definition, stats []models.AnswerStat) []QuestionPattern {
	counts := map[string]map[int]int64{}
	var order []string
	for _, s := range stats {
		if counts[s.QuestionID] == nil {
			counts[s.QuestionID] = map[int]int64{}
			order = append(order, s.QuestionID)
		}
		counts[s.QuestionID][s.Value] += s.Answers
	}
	var out []QuestionPattern
	for _, q := range def.Questions {
		qp := QuestionPattern{ID: q.ID, Text: q.Text}
		got := counts[q.ID]
		for _, o := range q.Options {
			qp.Options = append(qp.Options, OptionCount{Value: o.Value, Label: o.Label, Count: got[o.Value]})
			qp.Total += got[o.Value]
			delete(got, o.Value)
		}
		for _, v := range sortedKeys(got) {
			qp.Options = append(qp.Options, OptionCount{Value: v, Label: fmt.Sprintf("Option %d (not in this version)", v), Count: got[v]})
			qp.Total += got[v]
		}
		delete(counts, q.ID)
		out = append(out, qp)
	}
	for _, id := range order {
		got, ok := counts[id]
		if !ok {
			continue
		}
		qp := QuestionPattern{ID: id, Text: "Question “" + id + "” (not in this version)"}
		for _, v := range sortedKeys(got) {
			qp.Options = append(qp.Options, OptionCount{Value: v, Label: "Option " + strconv.Itoa(v), Count: got[v]})
			qp.Total += got[v]
		}
		out = append(out, qp)
	}
	return out
}

func sortedKeys(m map[int]int64) []int { return slices.Sorted(maps.Keys(m)) }

// AnswerTable is the answer patterns as a spreadsheet, one row per option.
func AnswerTable(p Params, patterns []QuestionPattern) export.Table {
	t := export.Table{Header: []string{"from", "to", "diagnostic_version", "question_id", "question", "option_value", "option", "answers", "share"}}
	for _, q := range patterns {
		for _, o := range q.Options {
			t.Rows = append(t.Rows, []export.Cell{export.Plain(p.From), export.Plain(p.To), export.Text(p.Version),
				export.Text(q.ID), export.Text(q.Text), export.Number(int64(o.Value)), export.Text(o.Label),
				export.Number(o.Count), export.Plain(Rate(o.Count, q.Total))})
		}
	}
	return t
}
