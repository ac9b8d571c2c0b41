package diagnostic

var (
	testFrequency = []Option{{1, "Never", 0}, {2, "Rarely", 1}, {3, "Sometimes", 2}, {4, "Often", 3}, {5, "Always", 4}}
	testReversed  = []Option{{1, "Never", 4}, {2, "Rarely", 3}, {3, "Sometimes", 2}, {4, "Often", 1}, {5, "Always", 0}}
)

// small returns a minimal valid definition that tests break one thing at a time.
// Dimension "a" has a normal and a reversed question; "b" has one normal question.
func small() *Definition {
	advice := Advice{Text: "Try this.", Section: "leaders-coach", SectionTitle: "Leaders Coach"}
	d := &Definition{
		Version: "test-1",
		Title:   "Test",
		Scales: []Scale{
			{ID: "freq", Options: append([]Option(nil), testFrequency...)},
			{ID: "rev", Options: append([]Option(nil), testReversed...)},
		},
		Dimensions: []Dimension{
			{ID: "a", Name: "A", Advice: advice, CallQuestions: []string{"What does A look like?"}},
			{ID: "b", Name: "B", Advice: advice, CallQuestions: []string{"When did B last happen?"}},
		},
		Questions: []Question{
			{ID: "qa1", Dimension: "a", Scale: "freq", Text: "My manager does A."},
			{ID: "qa2", Dimension: "a", Scale: "rev", Text: "My manager undoes A."},
			{ID: "qb1", Dimension: "b", Scale: "freq", Text: "My manager does B."},
		},
		Bands: []Band{
			{ID: "high", Title: "High", Min: 50, Max: 100},
			{ID: "low", Title: "Low", Min: 0, Max: 49},
		},
		ScoreLevels: []ScoreLevel{{ID: LevelHigh, Min: 60}, {ID: LevelLow, Min: 0}},
	}
	resolve(d)
	return d
}

// resolve copies each question's options from its scale, as Parse does.
func resolve(d *Definition) {
	for i, q := range d.Questions {
		s, _ := d.scale(q.Scale)
		d.Questions[i].Options = append([]Option(nil), s.Options...)
	}
}
