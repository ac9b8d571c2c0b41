package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/report"
	"github.com/stellapop/intake/report/pdftest"
	"github.com/stellapop/intake/team"
)

// maxPDFBytes is the most a PDF may weigh (issue 17: under 200 KB).
const maxPDFBytes = 200 * 1000

// scored answers the shipped diagnostic with varied answers.
func scored(t testing.TB) (*diagnostic.Definition, diagnostic.Result) {
	t.Helper()
	def := diagnostictest.Shipped(t)
	r, err := def.Score(diagnostictest.Answers(def, diagnostictest.Varied))
	if err != nil {
		t.Fatal(err)
	}
	return def, r
}

func maker(t testing.TB) *report.Maker {
	t.Helper()
	m, err := report.New()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func resultPDF(t testing.TB, name, first string) ([]byte, diagnostic.Result) {
	t.Helper()
	def, r := scored(t)
	var buf bytes.Buffer
	err := maker(t).WriteResult(&buf, report.Result{
		Definition: def, Result: r, Name: name, FirstName: first,
		Taken:      time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC),
		ArticleURL: "https://intake.example/articles/leadership-vs-management",
		BookingURL: "https://cal.example/stellapop", ResultURL: "https://intake.example/results/abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), r
}

func TestResultPDFShowsBandIndexAndName(t *testing.T) {
	pdf, r := resultPDF(t, "Zoë Ångström-Núñez", "Zoë")
	pdftest.KeepPNG(t, pdf, "report-result")
	text := pdftest.Text(t, pdf)
	for _, want := range []string{r.Band.Title, fmt.Sprint(r.Index), "/100 leadership index", "Zoë Ångström-Núñez",
		"Your result, Zoë", r.GrowthAreas[0].Dimension.Advice.SectionTitle, "Book a conversation"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	for _, d := range r.Dimensions {
		if !strings.Contains(text, d.Dimension.Name) {
			t.Errorf("the chart lacks the dimension %q", d.Dimension.Name)
		}
	}
	if n := pdftest.Pages(t, pdf); n > 2 {
		t.Errorf("the result PDF has %d pages, want at most 2", n)
	}
	if strings.Contains(text, "your team") || strings.Contains(text, "Pooled from") {
		t.Errorf("a result without an unlocked team view mentions a team:\n%s", text)
	}
	if len(pdf) >= maxPDFBytes {
		t.Errorf("the result PDF weighs %d bytes, want under %d", len(pdf), maxPDFBytes)
	}
}

// The PDF's links open the article at the advice's section and the
// booking page: the link annotations hold the addresses.
func TestResultPDFLinksIntoTheArticleAndToBook(t *testing.T) {
	pdf, r := resultPDF(t, "Ada Lovelace", "Ada")
	for _, want := range []string{
		"https://intake.example/articles/leadership-vs-management#" + r.GrowthAreas[0].Dimension.Advice.Section,
		"https://cal.example/stellapop",
	} {
		if !bytes.Contains(pdf, []byte("/URI ("+want+")")) {
			t.Errorf("the PDF has no link to %s", want)
		}
	}
}

// A name in a script DejaVu Sans lacks is left out, never printed as
// empty boxes.
func TestResultPDFLeavesOutANameTheFontCannotPrint(t *testing.T) {
	pdf, _ := resultPDF(t, "王秀英", "秀英")
	pdftest.KeepPNG(t, pdf, "report-result-chinese-name")
	text := pdftest.Text(t, pdf)
	if strings.ContainsAny(text, "王秀英\uFFFD") {
		t.Errorf("the PDF prints the name the font lacks:\n%s", text)
	}
	if !strings.Contains(text, "Your result\n") || strings.Contains(text, "Prepared for") {
		t.Errorf("the PDF should greet no one by name:\n%s", text)
	}
}

// Every band, with every pair of dimensions as the growth areas, fits on
// two pages with the shipped content, and three with the longest team view
// (WriteResult refuses more).
func TestEveryShippedResultFitsTwoPages(t *testing.T) {
	def := diagnostictest.Shipped(t)
	m := maker(t)
	// The longest team view: every dimension seen differently, so every
	// difference is written out. It may take a third page, never a fourth.
	own, err := def.Score(diagnostictest.Answers(def, diagnostictest.Best))
	if err != nil {
		t.Fatal(err)
	}
	worst, err := def.Score(diagnostictest.Answers(def, diagnostictest.Worst))
	if err != nil {
		t.Fatal(err)
	}
	rep := team.BuildReport(def, own.Scores(), []map[string]int{worst.Scores(), worst.Scores(), worst.Scores()})
	if len(rep.Differences) != len(def.Dimensions) {
		t.Fatalf("the team view differs on %d dimensions, want all %d", len(rep.Differences), len(def.Dimensions))
	}
	for _, band := range def.Bands {
		for i := range def.Dimensions {
			for j := i + 1; j < len(def.Dimensions); j++ {
				scores := map[string]int{}
				for k, d := range def.Dimensions {
					scores[d.ID] = band.Max
					if k == i || k == j {
						scores[d.ID] = band.Min
					}
				}
				r := def.ResultFrom(scores)
				r.Band = band
				for _, withTeam := range []*team.Report{nil, &rep} {
					var buf bytes.Buffer
					err := m.WriteResult(&buf, report.Result{Definition: def, Result: r, Name: "Zoë Ångström-Núñez", FirstName: "Zoë",
						Taken: time.Now(), ArticleURL: "https://x/a", BookingURL: "https://x/b", ResultURL: "https://x/r", Team: withTeam})
					if err != nil {
						t.Errorf("band %s, growth areas %s and %s, team view %v: %v", band.ID, def.Dimensions[i].ID, def.Dimensions[j].ID, withTeam != nil, err)
					}
				}
			}
		}
	}
}

func TestPrintable(t *testing.T) {
	m := maker(t)
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"Zoë Ångström-Núñez", true},
		{"Łukasz Żółć", true},
		{"Дмитрий", true},
		{"Γιώργος", true},
		{"王秀英", false},
		{"Ada 王", false},
		{"साक्षी", false},
		{"Ada 😀", false},
	} {
		if got := m.Printable(tt.name); got != tt.want {
			t.Errorf("Printable(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func briefLead(def *diagnostic.Definition, name string) *models.Lead {
	lead := &models.Lead{
		ID: 42, Name: name, Email: "zoe@example.com", Company: "Acme Ltd", Role: "Engineer",
		CreatedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		Source:    models.Source{LandingPage: "/articles/leadership-vs-management", UTMSource: "linkedin", UTMCampaign: "autumn"},
	}
	for i, q := range def.Questions {
		o := diagnostictest.Varied(i, q)
		lead.Answers = append(lead.Answers, models.Answer{
			QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension, QuestionText: q.Text,
			Value: o.Value, Label: o.Label, Points: o.Points,
		})
	}
	return lead
}

func briefPDF(t testing.TB, name string, notes []models.Note) ([]byte, *diagnostic.Definition, diagnostic.Result, *models.Lead) {
	t.Helper()
	def, r := scored(t)
	lead := briefLead(def, name)
	var buf bytes.Buffer
	err := maker(t).WriteBrief(&buf, report.Brief{
		Definition: def, Lead: lead, Result: r, Status: "New", Owner: "Ana Consultant",
		Notes: notes, Made: time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC),
		LeadURL: "https://intake.example/admin/leads/42",
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), def, r, lead
}

func TestBriefPDFShowsContactAnswersQuestionsAndNotes(t *testing.T) {
	author := &models.User{Name: "Ana Consultant"}
	notes := []models.Note{
		{Author: author, Body: "First call: left a voicemail.", CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)},
		{Author: author, Body: "Asked for a call on Thursday; keen on coaching for the vision.", CreatedAt: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)},
	}
	pdf, _, r, lead := briefPDF(t, "Zoë Ångström-Núñez", notes)
	pdftest.KeepPNG(t, pdf, "report-brief")
	text := flat(pdftest.Text(t, pdf))
	want := []string{"Zoë Ångström-Núñez", "zoe@example.com", "Acme Ltd", "linkedin", r.Band.Title,
		fmt.Sprintf("index %d/100", r.Index), "Ana Consultant", notes[0].Body, notes[1].Body}
	for _, g := range r.GrowthAreas {
		want = append(want, g.Dimension.Name, g.Dimension.CallQuestions[0])
		for _, a := range lead.Answers {
			if a.Dimension == g.Dimension.ID {
				want = append(want, a.QuestionText, "“"+a.Label+"”")
			}
		}
	}
	for _, w := range want {
		if !strings.Contains(text, flat(w)) {
			t.Errorf("the brief lacks %q:\n%s", w, text)
		}
	}
	if n := pdftest.Pages(t, pdf); n != 1 {
		t.Errorf("the brief has %d pages, want 1", n)
	}
	if len(pdf) >= maxPDFBytes {
		t.Errorf("the brief weighs %d bytes, want under %d", len(pdf), maxPDFBytes)
	}
}

// However much has been noted, the brief stays on one page, and a name or
// note in a script the font lacks prints no empty boxes.
func TestBriefPDFStaysOnOnePageAndPrintsNoBoxes(t *testing.T) {
	var notes []models.Note
	for i := range 12 {
		notes = append(notes, models.Note{Body: fmt.Sprintf("Note %d. ", i) + strings.Repeat("A long note about the call. ", 30),
			CreatedAt: time.Date(2026, 12, 2, i, 0, 0, 0, time.UTC)})
	}
	notes = append(notes, models.Note{Body: "回电 Called back", CreatedAt: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)})
	pdf, _, _, _ := briefPDF(t, "王秀英", notes)
	pdftest.KeepPNG(t, pdf, "report-brief-chinese-name")
	text := pdftest.Text(t, pdf)
	if strings.ContainsAny(text, "王秀英回电\uFFFD") {
		t.Errorf("the brief prints runes the font lacks:\n%s", text)
	}
	for _, w := range []string{"Lead 42", "[…] Called back", "earlier notes are on the lead page"} {
		if !strings.Contains(text, w) {
			t.Errorf("the brief lacks %q:\n%s", w, text)
		}
	}
	if n := pdftest.Pages(t, pdf); n != 1 {
		t.Errorf("the brief has %d pages, want 1", n)
	}
}

// flat joins the lines pdftotext wraps, so a phrase is found across a
// line break.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// BenchmarkResultPDF makes result PDFs one after another, as a busy
// server would (issue 17: under 50 ms each, memory flat). B/op is what
// one PDF allocates; it does not grow with b.N.
func BenchmarkResultPDF(b *testing.B) {
	def := diagnostictest.Shipped(b)
	r, err := def.Score(diagnostictest.Answers(def, diagnostictest.Varied))
	if err != nil {
		b.Fatal(err)
	}
	m := maker(b)
	in := report.Result{Definition: def, Result: r, Name: "Zoë Ångström-Núñez", FirstName: "Zoë", Taken: time.Now(),
		ArticleURL: "https://intake.example/articles/leadership-vs-management", BookingURL: "https://cal.example/stellapop"}
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := m.WriteResult(&buf, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pdfs/s")
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

// An unlocked team view joins the PDF: the team's index and band, and per
// dimension the reader's score, the team's average and its agreement; a
// page of its own if need be, three at most.
func TestResultPDFWithTheTeamView(t *testing.T) {
	def, r := scored(t)
	var colleagues []map[string]int
	for _, pick := range []diagnostictest.Pick{diagnostictest.Worst, diagnostictest.Best, diagnostictest.Worst} {
		res, err := def.Score(diagnostictest.Answers(def, pick))
		if err != nil {
			t.Fatal(err)
		}
		colleagues = append(colleagues, res.Scores())
	}
	rep := team.BuildReport(def, r.Scores(), colleagues)
	var buf bytes.Buffer
	err := maker(t).WriteResult(&buf, report.Result{
		Definition: def, Result: r, Name: "Zoë Ångström-Núñez", FirstName: "Zoë", Taken: time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC),
		ArticleURL: "https://intake.example/articles/leadership-vs-management", BookingURL: "https://cal.example/stellapop",
		ResultURL: "https://intake.example/results/abc", Team: &rep,
	})
	if err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	pdftest.KeepPNG(t, pdf, "report-result-team")
	text := strings.Join(strings.Fields(pdftest.Text(t, pdf)), " ")
	for _, want := range []string{"How your team sees your manager", "Pooled from 3 colleagues’ answers",
		fmt.Sprintf("%d /100 the team’s leadership index: %s", rep.Index, rep.Band.Title), "What your team sees differently", "Book a conversation"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	for _, d := range rep.Dimensions {
		row := fmt.Sprintf("%s %d %d %s (±%d)", d.Dimension.Name, d.Own, d.Average, d.Agreement, d.Spread)
		if !strings.Contains(text, row) {
			t.Errorf("the PDF has no row %q", row)
		}
	}
	if n := pdftest.Pages(t, pdf); n > 3 {
		t.Errorf("the result PDF with a team view has %d pages, want at most 3", n)
	}
	if len(pdf) >= maxPDFBytes {
		t.Errorf("the result PDF weighs %d bytes, want under %d", len(pdf), maxPDFBytes)
	}
}
