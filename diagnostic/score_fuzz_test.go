package diagnostic_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
)

// fuzzAnswers turns bytes into an answer map: each 5-byte record picks a
// question (one index past the end is an unknown id) and a 32-bit value, so
// the fuzzer reaches missing, unknown, out-of-scale and huge answers.
func fuzzAnswers(d *diagnostic.Definition, data []byte) map[string]int {
	answers := map[string]int{}
	for ; len(data) >= 5; data = data[5:] {
		id := "unknown"
		if i := int(data[0]) % (len(d.Questions) + 1); i < len(d.Questions) {
			id = d.Questions[i].ID
		}
		answers[id] = int(int32(binary.BigEndian.Uint32(data[1:5])))
	}
	return answers
}

func fuzzRecord(qi int, v int32) []byte {
	return binary.BigEndian.AppendUint32([]byte{byte(qi)}, uint32(v))
}

// FuzzScore checks, for any answers, that scoring never panics, that a
// complete set of listed options always scores, and that every score it
// gives is 0..100 with the band its index falls in.
func FuzzScore(f *testing.F) {
	d := diagnostictest.Shipped(f)
	var all, half []byte
	for i, q := range d.Questions {
		all = append(all, fuzzRecord(i, int32(diagnostictest.Best(i, q).Value))...)
		if i%2 == 0 {
			half = append(half, fuzzRecord(i, int32(diagnostictest.Worst(i, q).Value))...)
		}
	}
	f.Add(all)
	f.Add(half)
	f.Add([]byte{})
	f.Add(slices.Concat(all, fuzzRecord(len(d.Questions), 3))) // an unknown question
	f.Add(slices.Concat(all, fuzzRecord(0, -1)))               // below the scale
	f.Add(slices.Concat(all, fuzzRecord(1, 1<<31-1)))          // far above it
	f.Add(slices.Concat(all, fuzzRecord(2, 0)))                // zero
	f.Fuzz(func(t *testing.T, data []byte) {
		answers := fuzzAnswers(d, data)
		complete := len(answers) == len(d.Questions)
		for _, q := range d.Questions {
			v, ok := answers[q.ID]
			if _, listed := q.Option(v); !ok || !listed {
				complete = false
			}
		}
		r, err := d.Score(answers)
		if err != nil {
			if complete {
				t.Fatalf("Score(%v) refused a complete set of listed answers: %v", answers, err)
			}
			var ae *diagnostic.AnswerError
			if !errors.As(err, &ae) {
				t.Fatalf("Score(%v) = %v, not an *AnswerError", answers, err)
			}
			return
		}
		if !complete {
			t.Fatalf("Score(%v) scored answers that are missing, unknown or off the scale", answers)
		}
		checkResult(t, d, r)
		// A stored result read back is the same result.
		again := d.ResultFrom(r.Scores())
		if again.Index != r.Index || again.Band.ID != r.Band.ID {
			t.Fatalf("ResultFrom(%v) = %d %s, Score gave %d %s", r.Scores(), again.Index, again.Band.ID, r.Index, r.Band.ID)
		}
	})
}

// FuzzResultFrom checks that any stored scores, however wrong, rebuild a
// result in range rather than panicking.
func FuzzResultFrom(f *testing.F) {
	d := diagnostictest.Shipped(f)
	f.Add([]byte{})
	f.Add(fuzzRecord(0, -5))
	f.Add(fuzzRecord(1, 1000))
	f.Fuzz(func(t *testing.T, data []byte) {
		scores := map[string]int{}
		for ; len(data) >= 5; data = data[5:] {
			id := "unknown"
			if i := int(data[0]) % (len(d.Dimensions) + 1); i < len(d.Dimensions) {
				id = d.Dimensions[i].ID
			}
			scores[id] = int(int32(binary.BigEndian.Uint32(data[1:5])))
		}
		checkResult(t, d, d.ResultFrom(scores))
	})
}

func checkResult(t *testing.T, d *diagnostic.Definition, r diagnostic.Result) {
	t.Helper()
	if len(r.Dimensions) != len(d.Dimensions) {
		t.Fatalf("%d dimension scores, want %d", len(r.Dimensions), len(d.Dimensions))
	}
	for _, s := range r.Dimensions {
		if s.Score < 0 || s.Score > 100 {
			t.Fatalf("%s scored %d, outside 0..100", s.Dimension.ID, s.Score)
		}
	}
	if r.Index < 0 || r.Index > 100 {
		t.Fatalf("index %d outside 0..100", r.Index)
	}
	if r.Band.ID == "" || r.Index < r.Band.Min || r.Index > r.Band.Max {
		t.Fatalf("index %d in band %q (%d..%d)", r.Index, r.Band.ID, r.Band.Min, r.Band.Max)
	}
	if len(r.Strengths) != min(2, len(d.Dimensions)) || len(r.GrowthAreas) != len(r.Strengths) {
		t.Fatalf("%d strengths and %d growth areas", len(r.Strengths), len(r.GrowthAreas))
	}
}
