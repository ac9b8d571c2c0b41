// Package diagnostictest fills the diagnostic from its real definition, for
// tests: whatever the client's questions are, a test answers all of them,
// with the answer it means, through the field names the form uses.
package diagnostictest

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
)

// Shipped parses the definition the site serves by default
// (content/diagnostic.json).
func Shipped(tb testing.TB) *diagnostic.Definition {
	tb.Helper()
	d, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		tb.Fatalf("shipped diagnostic: %v", err)
	}
	return d
}

// Pick chooses the answer to a question, given its position in the
// definition (from 0).
type Pick func(i int, q diagnostic.Question) diagnostic.Option

// Value picks the option the form submits as value, on every question; it
// panics when a question has no such option, as the test then means
// something the definition cannot say.
func Value(value int) Pick {
	return func(_ int, q diagnostic.Question) diagnostic.Option {
		o, ok := q.Option(value)
		if !ok {
			panic(fmt.Sprintf("diagnostictest: question %s has no option %d", q.ID, value))
		}
		return o
	}
}

// Best picks the option worth the most points: every score 100.
func Best(_ int, q diagnostic.Question) diagnostic.Option {
	return extreme(q, func(a, b int) bool { return a > b })
}

// Worst picks the option worth the fewest points: every score 0.
func Worst(_ int, q diagnostic.Question) diagnostic.Option {
	return extreme(q, func(a, b int) bool { return a < b })
}

// Varied picks each question's options in turn, so that the answers, and
// the scores, differ from one another as a real visitor's do.
func Varied(i int, q diagnostic.Question) diagnostic.Option {
	return q.Options[i%len(q.Options)]
}

func extreme(q diagnostic.Question, better func(a, b int) bool) diagnostic.Option {
	o := q.Options[0]
	for _, c := range q.Options[1:] {
		if better(c.Points, o.Points) {
			o = c
		}
	}
	return o
}

// Answers answers every question with the option pick chooses, as scoring
// takes them: question id → option value.
func Answers(d *diagnostic.Definition, pick Pick) map[string]int {
	answers := make(map[string]int, len(d.Questions))
	for i, q := range d.Questions {
		answers[q.ID] = pick(i, q).Value
	}
	return answers
}

// Fill sets every question's form field in v to the option pick chooses,
// as a browser sends the form.
func Fill(v url.Values, d *diagnostic.Definition, pick Pick) {
	for i, q := range d.Questions {
		v.Set(diagnostic.AnswerField(q.ID), strconv.Itoa(pick(i, q).Value))
	}
}

// FillText sets every question's form field in v to text, as only a
// hostile or broken client sends it.
func FillText(v url.Values, d *diagnostic.Definition, text string) {
	for _, q := range d.Questions {
		v.Set(diagnostic.AnswerField(q.ID), text)
	}
}
