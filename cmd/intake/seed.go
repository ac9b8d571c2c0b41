package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
)

const seedUsage = `Usage: intake seed --leads N [--seed S]

Fills the database that serve uses with N made-up leads, to try the
workspace or measure it: people, companies, answers scored with the real
diagnostic, consents with the real wording, sources, statuses and history
over the last 365 days, and the funnel's daily counts. No email is queued:
each lead's emails are recorded as already sent. The same --seed makes the
same leads (dates are relative to today).

  --leads N   how many leads to add, from 1 to 10000000
  --seed S    the random seed, 1 or more (default 1)
`

// maxSeedLeads keeps a typo from filling the disk.
const maxSeedLeads = 10_000_000

// runSeed is `intake seed`: it returns the exit code, 2 for a bad call.
func runSeed(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	n := fs.Int("leads", 0, "")
	seed := fs.Uint64("seed", 1, "")
	help, problem := parseFlags(fs, args)
	if help {
		fmt.Fprint(stdout, seedUsage)
		return 0
	}
	switch {
	case problem != "":
	case *n < 1 || *n > maxSeedLeads:
		problem = fmt.Sprintf("--leads must be a whole number from 1 to %d", maxSeedLeads)
	case *seed == 0:
		problem = "--seed must be 1 or more" // 0 would make gofakeit pick a random seed
	}
	if problem != "" {
		fmt.Fprintf(stderr, "intake seed: %s\n\n%s", problem, seedUsage)
		return 2
	}
	return withConfig("seed", getenv, stderr, func(ctx context.Context, cfg *Config, log *slog.Logger) error {
		return seedLeads(ctx, cfg, *n, *seed, stdout, stderr, log)
	})
}

// seedLeads opens and migrates the database as serve would, then adds n
// leads in transactions of up to 5,000, reporting every tenth.
func seedLeads(ctx context.Context, cfg *Config, n int, seed uint64, stdout, stderr io.Writer, log *slog.Logger) error {
	site, err := loadContent(cfg.ContentDir)
	if err != nil {
		return err
	}
	def, consent := site.def, site.consent
	store, err := openStore(ctx, cfg, cfg.DatabaseMaxConn, log)
	if err != nil {
		return err
	}
	defer store.Close()
	g := newLeadFaker(seed, n, def, consent, time.Now().UTC().Truncate(time.Second))
	// A tenth of the run per batch when that is under 5,000, so small runs
	// still report every 10%.
	size := min(5000, (n+9)/10)
	// The next batch is made while the last one is written: making leads
	// and storing them take about as long as each other, and run at once.
	batches := make(chan []models.LeadWithHistory, 1)
	stop := make(chan struct{})
	var made sync.WaitGroup
	made.Go(func() {
		defer close(batches)
		for left := n; left > 0; {
			batch := make([]models.LeadWithHistory, 0, min(size, left))
			for range cap(batch) {
				batch = append(batch, g.lead())
			}
			left -= len(batch)
			select {
			case batches <- batch:
			case <-stop:
				return
			}
		}
	})
	defer func() { close(stop); made.Wait() }()
	next, done := 10, 0
	for batch := range batches {
		if err := store.InsertLeadsBatch(ctx, batch); err != nil {
			return fmt.Errorf("after %d of %d leads: %w", done, n, err)
		}
		done += len(batch)
		if pct := done * 100 / n; pct >= next {
			fmt.Fprintf(stderr, "seed: %d%% (%d of %d leads)\n", pct, done, n)
			next = pct/10*10 + 10
		}
	}
	if err := store.AddDailyCounts(ctx, g.dailyCounts()); err != nil {
		return err
	}
	if err := store.CompactStats(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d made-up leads to the %s database (seed %d).\n", n, store.Dialect(), seed)
	return nil
}

// leadFaker makes plausible leads from one seeded source of randomness, so
// a seed always yields the same people, answers and sources.
type leadFaker struct {
	f         *gofakeit.Faker
	def       *diagnostic.Definition
	consent   *diagnostic.Consent
	now       time.Time
	n, made   int
	companies []fakeCompany
	perDay    map[string]int64 // leads made per day, for the funnel's counts
	// perCampaign counts the leads made per day and campaign-start metric,
	// for the campaign report's starts.
	perCampaign map[string]map[string]int64
}

type fakeCompany struct{ name, domain string }

// fakeStatus is a path through the pipeline, from new to where a lead is now.
type fakeStatus struct {
	path   []string
	weight int
}

// fakeSource is a campaign source, with the medium and referrer it brings.
type fakeSource struct {
	source, medium, referrer string
	weight                   int
}

var (
	fakeSources = []fakeSource{
		{"", "", "", 28},
		{"linkedin", "social", "https://www.linkedin.com/", 22},
		{"google", "cpc", "https://www.google.com/", 16},
		{"newsletter", "email", "", 12},
		{"twitter", "social", "https://t.co/", 5},
		{"partner", "referral", "https://partners.example/", 5},
		{"podcast", "audio", "", 4},
		{"bing", "cpc", "https://www.bing.com/", 3},
		{"facebook", "social", "https://www.facebook.com/", 2},
		{"events", "offline", "", 2},
		{"reddit", "social", "https://www.reddit.com/", 1},
	}
	fakeCampaigns = []string{"leadership-vs-management", "manager-diagnostic", "autumn-webinar", "q1-leaders", "team-health-series"}
	fakeRoles     = []string{
		"Software Engineer", "Product Manager", "Head of Operations", "Engineering Manager", "HR Business Partner",
		"Team Lead", "Finance Manager", "Marketing Manager", "Customer Success Manager", "Operations Analyst",
		"Head of People", "Sales Director", "Senior Designer", "Project Manager", "Chief of Staff",
		"Data Analyst", "Account Manager", "VP Engineering", "Talent Acquisition Lead", "Nurse Manager",
	}
	// fakeStatuses are where a lead older than two days stands now,
	// weighted by how common each is.
	fakeStatuses = []fakeStatus{
		{[]string{"new"}, 55},
		{[]string{"new", "contacted"}, 15},
		{[]string{"new", "contacted", "qualified"}, 9},
		{[]string{"new", "contacted", "qualified", "proposal"}, 5},
		{[]string{"new", "contacted", "qualified", "proposal", "won"}, 6},
		{[]string{"new", "contacted", "lost"}, 6},
		{[]string{"new", "contacted", "qualified", "proposal", "lost"}, 4},
	}
)

func newLeadFaker(seed uint64, n int, def *diagnostic.Definition, consent *diagnostic.Consent, now time.Time) *leadFaker {
	g := &leadFaker{f: gofakeit.New(seed), def: def, consent: consent, now: now, n: n, perDay: map[string]int64{},
		perCampaign: map[string]map[string]int64{}}
	// About six leads per company, so some companies send several.
	for range max(10, n/6) {
		name := g.f.Company()
		g.companies = append(g.companies, fakeCompany{name, companyDomain(name, g.f)})
	}
	return g
}

// companyDomain turns a company name into a domain under .example, a
// name reserved never to exist (RFC 2606), so no seeded address is real
// even if someone sends a seeded lead's email again.
func companyDomain(name string, f *gofakeit.Faker) string {
	var b strings.Builder
	for _, word := range strings.Fields(strings.ToLower(name)) {
		switch strings.Trim(word, ".,&") {
		case "inc", "llc", "ltd", "co", "corp", "corporation", "group", "the", "and", "plc":
			continue
		}
		b.WriteString(lettersOnly(word))
	}
	if b.Len() == 0 {
		b.WriteString("company" + fmt.Sprint(f.IntRange(1, 999)))
	}
	return b.String() + ".example"
}

func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, strings.ToLower(s))
}

// lead makes the next lead. Creation times step evenly through the last
// 365 days with a little jitter, oldest first, as real ids would run.
func (g *leadFaker) lead() models.LeadWithHistory {
	f := g.f
	slot := 365 * 24 * time.Hour / time.Duration(g.n)
	created := g.now.Add(-365*24*time.Hour + time.Duration(g.made)*slot + time.Duration(f.Float64()*float64(slot))).Truncate(time.Second)
	g.made++
	g.perDay[created.Format(models.DayLayout)]++

	first, last := f.FirstName(), f.LastName()
	co := g.companies[f.IntN(len(g.companies))]
	src := pickWeighted(f, fakeSources, func(s fakeSource) int { return s.weight })
	l := &models.Lead{
		Name: first + " " + last, Email: lettersOnly(first) + "." + lettersOnly(last) + "@" + co.domain,
		Company: co.name, Role: f.RandomString(fakeRoles), TeamSize: g.teamSize(),
		DiagnosticVersion: g.def.Version, CreatedAt: created,
		Source: models.Source{LandingPage: handlers.ArticlePath, Referrer: src.referrer, UTMSource: src.source, UTMMedium: src.medium},
	}
	if src.source != "" && f.IntN(3) > 0 {
		l.Source.UTMCampaign = f.RandomString(fakeCampaigns)
	}
	day := created.Format(models.DayLayout)
	if g.perCampaign[day] == nil {
		g.perCampaign[day] = map[string]int64{}
	}
	g.perCampaign[day][models.CampaignStartsMetric(l.Source.UTMSource, l.Source.UTMCampaign)]++
	g.answer(l)
	for _, p := range g.consent.Purposes {
		granted := p.Required || (p.ID == models.PurposeMarketing && f.IntN(100) < 30)
		l.Consents = append(l.Consents, models.Consent{Purpose: p.ID, Granted: granted, DecidedAt: created,
			WordingVersion: g.consent.Version, WordingSHA256: p.SHA256, Wording: p.Label})
	}
	for _, kind := range models.EmailKinds {
		sent := created.Add(time.Duration(f.IntRange(2, 90)) * time.Second)
		l.Emails = append(l.Emails, models.LeadEmail{Kind: kind, QueuedAt: created, Attempts: 1, LastAttemptAt: &sent, SentAt: &sent})
	}
	return models.LeadWithHistory{Lead: l, History: g.history(l)}
}

// answer fills in answers around a tendency drawn per lead, so indexes
// spread over every band, and scores them with the real diagnostic.
func (g *leadFaker) answer(l *models.Lead) {
	f := g.f
	tendency := (f.Float64() + f.Float64()) / 2 // most people land in the middle bands
	answers := map[string]int{}
	for i, q := range g.def.Questions {
		most := 0
		for _, o := range q.Options {
			most = max(most, o.Points)
		}
		want := int(tendency*float64(most)+0.5) + f.IntRange(-1, 1)
		pick := q.Options[0]
		for _, o := range q.Options {
			if abs(o.Points-want) < abs(pick.Points-want) {
				pick = o
			}
		}
		answers[q.ID] = pick.Value
		l.Answers = append(l.Answers, models.Answer{QuestionID: q.ID, Position: i + 1, Dimension: q.Dimension,
			QuestionText: q.Text, Value: pick.Value, Label: pick.Label, Points: pick.Points})
	}
	r, err := g.def.Score(answers)
	if err != nil {
		panic(fmt.Sprintf("seed: answers built from the definition do not score: %v", err))
	}
	l.OverallIndex, l.Band = r.Index, r.Band.ID
	for i, d := range r.Dimensions {
		l.Scores = append(l.Scores, models.Score{Dimension: d.Dimension.ID, Position: i + 1, Score: d.Score})
	}
}

// history moves the lead along its pipeline: a first look within a few
// days for most leads, then each change some days after the last.
func (g *leadFaker) history(l *models.Lead) []models.Activity {
	f := g.f
	age := g.now.Sub(l.CreatedAt)
	path := []string{"new"}
	if age > 48*time.Hour {
		path = pickWeighted(f, fakeStatuses, func(s fakeStatus) int { return s.weight }).path
	} else if f.IntN(10) == 0 {
		path = []string{"new", "contacted"}
	}
	if len(path) == 1 && (age < 48*time.Hour || f.IntN(100) < 20) {
		return nil // new and not yet looked at
	}
	at := l.CreatedAt.Add(time.Duration(f.IntRange(20, 72*60)) * time.Minute)
	if at.After(g.now) {
		at = g.now
	}
	l.TouchedAt = &at
	out := []models.Activity{{Kind: models.ActivityViewed, CreatedAt: at}}
	for i := 1; i < len(path); i++ {
		at = at.Add(time.Duration(f.IntRange(1, 14*24)) * time.Hour)
		if at.After(g.now) {
			at = g.now
		}
		out = append(out, models.Activity{Kind: models.ActivityStatusChanged, Detail: path[i-1] + " → " + path[i], CreatedAt: at})
	}
	l.Status, l.Version = path[len(path)-1], len(path)
	return out
}

func (g *leadFaker) teamSize() *int {
	f := g.f
	var n int
	switch r := f.IntN(100); {
	case r < 15:
		return nil // the field is optional and often left blank
	case r < 50:
		n = f.IntRange(2, 8)
	case r < 80:
		n = f.IntRange(9, 20)
	case r < 95:
		n = f.IntRange(21, 60)
	default:
		n = f.IntRange(61, 250)
	}
	return &n
}

// dailyCounts makes the funnel's steps for every seeded day around the
// leads actually made that day: a few completions that left no lead, about
// half of starters finishing, and some eight readers per starter.
func (g *leadFaker) dailyCounts() []models.DailyCount {
	f := g.f
	var out []models.DailyCount
	for d := g.now.AddDate(0, 0, -365); !d.After(g.now); d = d.AddDate(0, 0, 1) {
		day := d.Format(models.DayLayout)
		leads := g.perDay[day]
		completed := leads + int64(f.IntN(int(leads/5)+2))
		starts := completed*2 + int64(f.IntN(int(completed)+3))
		views := starts*6 + 3 + int64(f.IntN(int(starts)*4+10)) // never a day without readers
		out = append(out,
			models.DailyCount{Day: day, Metric: models.MetricLeads, Count: leads},
			models.DailyCount{Day: day, Metric: models.MetricDiagnosticsCompleted, Count: completed},
			models.DailyCount{Day: day, Metric: models.MetricDiagnosticStarts, Count: starts},
			models.DailyCount{Day: day, Metric: models.MetricArticleViews, Count: views})
		// Starts by campaign: about as many per lead as the day's starts,
		// in a fixed order so a seed makes the same counts.
		for _, metric := range slices.Sorted(maps.Keys(g.perCampaign[day])) {
			n := g.perCampaign[day][metric]
			out = append(out, models.DailyCount{Day: day, Metric: metric, Count: n*2 + int64(f.IntN(int(n)+2))})
		}
	}
	return out
}

func pickWeighted[T any](f *gofakeit.Faker, items []T, weight func(T) int) T {
	total := 0
	for _, it := range items {
		total += weight(it)
	}
	r := f.IntN(total)
	for _, it := range items {
		if r -= weight(it); r < 0 {
			return it
		}
	}
	return items[len(items)-1]
}

func abs(n int) int { return max(n, -n) }
