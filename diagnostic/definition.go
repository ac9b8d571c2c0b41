// Package diagnostic loads, validates and scores the "Is your manager
// leading?" diagnostic and the consent wording shown beside it.
package diagnostic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Definition is a validated diagnostic, ready to score.
type Definition struct {
	Version    string      `json:"version"`
	Title      string      `json:"title"`
	Intro      string      `json:"intro"`
	Scales     []Scale     `json:"scales"`
	Dimensions []Dimension `json:"dimensions"`
	Questions  []Question  `json:"questions"` // each with Options resolved from its scale
	Bands      []Band      `json:"bands"`     // highest first
	// ScoreLevels colour a score wherever it is drawn, highest first.
	ScoreLevels []ScoreLevel `json:"score_levels"`
}

// Scale is a named set of answer options that questions share.
type Scale struct {
	ID      string   `json:"id"`
	Options []Option `json:"options"`
}

// Dimension is one leadership-versus-management contrast that questions feed into.
type Dimension struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Contrast    string `json:"contrast"`
	Description string `json:"description"`
	Advice      Advice `json:"advice"`
	// CallQuestions are what a consultant asks on the first call when this
	// dimension is one of the lead's weakest (the consultant brief lists them).
	CallQuestions []string `json:"call_questions"`
}

// Advice is shown when a dimension is a growth area, linking to the article section that backs it up.
type Advice struct {
	Text         string `json:"text"`
	Section      string `json:"section"`
	SectionTitle string `json:"section_title"`
}

// Question is one statement the visitor rates, with the options of its scale.
type Question struct {
	ID        string   `json:"id"`
	Dimension string   `json:"dimension"`
	Scale     string   `json:"scale"`
	Text      string   `json:"text"`
	Options   []Option `json:"options,omitempty"`
}

// Option is one answer on a scale; Value is what the form submits, Points what it scores.
type Option struct {
	Value  int    `json:"value"`
	Label  string `json:"label"`
	Points int    `json:"points"`
}

// Band is a result category for an index in [Min, Max].
type Band struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	Summary string `json:"summary"`
}

// fileQuestion is a question as written in the file: options come from the
// scale, so an "options" key there is rejected rather than silently trusted.
type fileQuestion struct {
	ID        string `json:"id"`
	Dimension string `json:"dimension"`
	Scale     string `json:"scale"`
	Text      string `json:"text"`
}

type fileDefinition struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	Intro       string         `json:"intro"`
	Scales      []Scale        `json:"scales"`
	Dimensions  []Dimension    `json:"dimensions"`
	Questions   []fileQuestion `json:"questions"`
	Bands       []Band         `json:"bands"`
	ScoreLevels []ScoreLevel   `json:"score_levels"`
}

// Parse decodes a definition strictly, resolves each question's options from its scale and validates it.
func Parse(data []byte) (*Definition, error) {
	var f fileDefinition
	if err := decodeStrict(data, &f); err != nil {
		return nil, fmt.Errorf("diagnostic: %w", err)
	}
	d := &Definition{
		Version:     f.Version,
		Title:       f.Title,
		Intro:       f.Intro,
		Scales:      f.Scales,
		Dimensions:  f.Dimensions,
		Bands:       f.Bands,
		ScoreLevels: f.ScoreLevels,
	}
	for _, q := range f.Questions {
		var opts []Option
		if s, ok := d.scale(q.Scale); ok {
			opts = slices.Clone(s.Options)
		}
		d.Questions = append(d.Questions, Question{
			ID: q.ID, Dimension: q.Dimension, Scale: q.Scale, Text: q.Text, Options: opts,
		})
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("diagnostic: invalid definition:\n%w", err)
	}
	return d, nil
}

// decodeStrict rejects unknown fields and trailing data, because a typo in
// hand-edited content should fail loudly instead of being ignored.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the top-level JSON value")
	}
	return nil
}

// Question returns the question with the given id.
func (d *Definition) Question(id string) (Question, bool) {
	i := slices.IndexFunc(d.Questions, func(q Question) bool { return q.ID == id })
	if i < 0 {
		return Question{}, false
	}
	return d.Questions[i], true
}

// Dimension returns the dimension with the given id.
func (d *Definition) Dimension(id string) (Dimension, bool) {
	i := d.dimensionIndex(id)
	if i < 0 {
		return Dimension{}, false
	}
	return d.Dimensions[i], true
}

// Band returns the band with the given id.
func (d *Definition) Band(id string) (Band, bool) {
	i := slices.IndexFunc(d.Bands, func(b Band) bool { return b.ID == id })
	if i < 0 {
		return Band{}, false
	}
	return d.Bands[i], true
}

// BandFor returns the band containing index, clamped to 0..100 so that a
// stray stored value still lands somewhere; it is the zero Band only if no band matches.
func (d *Definition) BandFor(index int) Band {
	index = min(max(index, 0), 100)
	for _, b := range d.Bands {
		if b.Min <= index && index <= b.Max {
			return b
		}
	}
	return Band{}
}

// Option returns the option the form submits as value.
func (q Question) Option(value int) (Option, bool) {
	i := slices.IndexFunc(q.Options, func(o Option) bool { return o.Value == value })
	if i < 0 {
		return Option{}, false
	}
	return q.Options[i], true
}

func (d *Definition) dimensionIndex(id string) int {
	return slices.IndexFunc(d.Dimensions, func(dim Dimension) bool { return dim.ID == id })
}

func (d *Definition) scale(id string) (Scale, bool) {
	i := slices.IndexFunc(d.Scales, func(s Scale) bool { return s.ID == id })
	if i < 0 {
		return Scale{}, false
	}
	return d.Scales[i], true
}
