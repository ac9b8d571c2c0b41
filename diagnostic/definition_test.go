package diagnostic

import (
	"slices"
	"strings"
	"testing"
)

const smallJSON = `{
  "version": "t-1", "title": "T", "intro": "",
  "scales": [{"id": "yn", "options": [{"value": 1, "label": "No", "points": 0}, {"value": 2, "label": "Yes", "points": 1}]}],
  "dimensions": [{"id": "a", "name": "A", "contrast": "", "description": "",
    "advice": {"text": "Do this.", "section": "leaders-coach", "section_title": "Leaders Coach"},
    "call_questions": ["What does A look like in your team?"]}],
  "questions": [{"id": "q1", "dimension": "a", "scale": "yn", "text": "My manager does A."}],
  "bands": [{"id": "all", "title": "All", "min": 0, "max": 100, "summary": ""}],
  "score_levels": [{"id": "low", "min": 0}]
}`

func TestParseResolvesOptions(t *testing.T) {
	d, err := Parse([]byte(smallJSON))
	if err != nil {
		t.Fatal(err)
	}
	q, ok := d.Question("q1")
	if !ok {
		t.Fatal(`Question("q1") not found`)
	}
	want := []Option{{1, "No", 0}, {2, "Yes", 1}}
	if !slices.Equal(q.Options, want) {
		t.Errorf("q1 options = %v, want %v", q.Options, want)
	}
	if o, ok := q.Option(2); !ok || o.Label != "Yes" {
		t.Errorf("Option(2) = %v, %v; want Yes", o, ok)
	}
	if _, ok := q.Option(3); ok {
		t.Error("Option(3) found, want not found")
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown top-level field", strings.Replace(smallJSON, `"intro": ""`, `"intro": "", "colour": "red"`, 1), `unknown field "colour"`},
		{"options given on a question", strings.Replace(smallJSON, `"text": "My manager does A."`, `"text": "x", "options": []`, 1), `unknown field "options"`},
		{"trailing data", smallJSON + `{}`, "after the top-level JSON value"},
		{"not JSON", `version: 1`, "invalid character"},
		{"invalid definition", strings.Replace(smallJSON, `"scale": "yn"`, `"scale": "ny"`, 1), `question "q1": unknown scale "ny"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
