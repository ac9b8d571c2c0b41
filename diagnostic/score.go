package diagnostic

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors for answers, always wrapped in an *AnswerError.
var (
	ErrMissingAnswer   = errors.New("no answer given")
	ErrUnknownQuestion = errors.New("unknown question")
	ErrOutOfScale      = errors.New("answer is not on the question's scale")
)

// AnswerError ties an answer problem to its question, so callers can show it beside the right form field.
type AnswerError struct {
	QuestionID string
	Err        error
}

// Error names the question first, since that is what a reader needs to find.
func (e *AnswerError) Error() string { return fmt.Sprintf("question %q: %v", e.QuestionID, e.Err) }

// Unwrap lets errors.Is match the sentinel.
func (e *AnswerError) Unwrap() error { return e.Err }

// Result is a scored diagnostic.
type Result struct {
	Dimensions  []DimensionScore // in definition order
	Index       int              // 0..100: the rounded mean of the dimension scores
	Band        Band
	Strengths   []DimensionScore // the two highest, highest first; ties keep definition order
	GrowthAreas []DimensionScore // the two lowest, lowest first; ties keep definition order
}

// DimensionScore is one dimension's score, 0..100.
type DimensionScore struct {
	Dimension Dimension
	Score     int
}

// Scores returns dimension id → score, the form in which results are stored.
func (r Result) Scores() map[string]int {
	m := make(map[string]int, len(r.Dimensions))
	for _, ds := range r.Dimensions {
		m[ds.Dimension.ID] = ds.Score
	}
	return m
}

// Score turns answers (question id → option value) into a Result.
//
// Every problem is reported, not just the first, so a form can flag all
// its fields at once: the error joins one *AnswerError per problem, in
// question order, then unknown ids sorted. Use errors.As and errors.Is.
func (d *Definition) Score(answers map[string]int) (Result, error) {
	earned := make([]int, len(d.Dimensions))
	possible := make([]int, len(d.Dimensions))
	var errs []error
	for _, q := range d.Questions {
		v, ok := answers[q.ID]
		if !ok {
			errs = append(errs, &AnswerError{QuestionID: q.ID, Err: ErrMissingAnswer})
			continue
		}
		o, ok := q.Option(v)
		if !ok {
			errs = append(errs, &AnswerError{QuestionID: q.ID, Err: fmt.Errorf("%w (got %d)", ErrOutOfScale, v)})
			continue
		}
		i := d.dimensionIndex(q.Dimension)
		if i < 0 {
			continue // Validate rules this out; skipping beats a panic on a hand-built Definition.
		}
		earned[i] += o.Points
		possible[i] += maxPoints(q.Options)
	}
	var unknown []string
	for id := range answers {
		if _, ok := d.Question(id); !ok {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		errs = append(errs, &AnswerError{QuestionID: id, Err: ErrUnknownQuestion})
	}
	if len(errs) > 0 {
		return Result{}, errors.Join(errs...)
	}

	scores := make([]int, len(d.Dimensions))
	for i := range scores {
		if possible[i] > 0 {
			scores[i] = roundDiv(100*earned[i], possible[i])
		}
	}
	return d.result(scores), nil
}

// ResultFrom rebuilds a Result from stored per-dimension scores (dimension id → 0..100).
// Unknown ids are ignored, missing ones count as 0, and values are clamped to 0..100.
func (d *Definition) ResultFrom(scores map[string]int) Result {
	s := make([]int, len(d.Dimensions))
	for i, dim := range d.Dimensions {
		s[i] = min(max(scores[dim.ID], minIndex), maxIndex)
	}
	return d.result(s)
}

// result derives everything from the dimension scores alone, so that a
// freshly scored and a stored result always agree.
func (d *Definition) result(scores []int) Result {
	dims := make([]DimensionScore, len(d.Dimensions))
	sum := 0
	for i, dim := range d.Dimensions {
		dims[i] = DimensionScore{Dimension: dim, Score: scores[i]}
		sum += scores[i]
	}
	index := 0
	if len(dims) > 0 {
		index = roundDiv(sum, len(dims))
	}
	return Result{
		Dimensions:  dims,
		Index:       index,
		Band:        d.BandFor(index),
		Strengths:   topTwo(dims, func(a, b DimensionScore) int { return cmp.Compare(b.Score, a.Score) }),
		GrowthAreas: topTwo(dims, func(a, b DimensionScore) int { return cmp.Compare(a.Score, b.Score) }),
	}
}

// topTwo sorts stably so that ties keep definition order.
func topTwo(dims []DimensionScore, order func(a, b DimensionScore) int) []DimensionScore {
	s := slices.Clone(dims)
	slices.SortStableFunc(s, order)
	n := min(2, len(s))
	return s[:n:n]
}

func maxPoints(opts []Option) int {
	best := 0
	for _, o := range opts {
		best = max(best, o.Points)
	}
	return best
}

// roundDiv divides non-negative a by positive b, rounding half up.
func roundDiv(a, b int) int {
	return (2*a + b) / (2 * b)
}
