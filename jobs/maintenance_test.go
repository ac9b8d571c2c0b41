package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

const day = 24 * time.Hour

// openInstance opens a store on dbURL (empty: the embedded SQLite in dir)
// as one more instance would, migrated, closed when the test ends.
func openInstance(t *testing.T, dbURL, dir string) *models.Store {
	t.Helper()
	store, err := models.Open(context.Background(), dbURL, dir, models.Options{SuppressionKey: models.SuppressionKey([]byte(modelstest.Secret))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background(), jobs.Migrate(store)); err != nil {
		t.Fatal(err)
	}
	return store
}

// startMaintenance starts a working queue with the daily upkeep on store,
// as serve or worker does, and returns its stop.
func startMaintenance(t *testing.T, store *models.Store, retentionDays int) (stop func()) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	workers := river.NewWorkers()
	q, err := jobs.New(store, jobs.Config{
		Workers:  workers,
		Periodic: jobs.AddMaintenance(workers, store, retentionDays, log),
		Queues:   map[string]int{jobs.MaintenanceQueue: 1},
		Log:      log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop queue: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// agedLead saves a lead created age ago.
func agedLead(t *testing.T, store *models.Store, name string, age time.Duration) *models.Lead {
	t.Helper()
	l := &models.Lead{
		Name: name, Email: strings.ToLower(name) + "@example.com", Company: "Acme", Role: "COO",
		DiagnosticVersion: "v1", OverallIndex: 50, Band: "emerging", CreatedAt: time.Now().UTC().Add(-age),
	}
	if err := store.SaveLead(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// agedQuarantine stores a quarantined submission made age ago.
func agedQuarantine(t *testing.T, store *models.Store, name string, age time.Duration) *models.Quarantined {
	t.Helper()
	l := &models.Lead{
		Name: name, Email: strings.ToLower(name) + "@example.com", Company: "Acme", Role: "COO",
		DiagnosticVersion: "v1", OverallIndex: 50, Band: "emerging", CreatedAt: time.Now().UTC().Add(-age),
	}
	q, err := store.Quarantine(context.Background(), l, "filled too fast")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// upkeepJobs counts the daily upkeep's jobs, and those completed.
func upkeepJobs(t *testing.T, store *models.Store) (all, completed int) {
	t.Helper()
	err := store.SQLDB().QueryRow(`SELECT count(*), count(*) FILTER (WHERE state = 'completed') FROM river_job WHERE kind = 'daily_upkeep'`).Scan(&all, &completed)
	if err != nil {
		t.Fatal(err)
	}
	return all, completed
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDailyUpkeepRunsOnceAcrossInstances: three instances working the
// queue on one PostgreSQL run the upkeep once between them, and
// restarting every one of them the same day does not run it again.
func TestDailyUpkeepRunsOnceAcrossInstances(t *testing.T) {
	dbURL := modelstest.DatabaseURL(t)
	var stores []*models.Store
	for range 3 {
		stores = append(stores, openInstance(t, dbURL, t.TempDir()))
	}
	old := agedLead(t, stores[0], "Old", 40*day)
	recent := agedLead(t, stores[0], "Recent", 2*day)
	stale := agedQuarantine(t, stores[0], "Stale", time.Duration(models.QuarantineDays+1)*day)
	fresh := agedQuarantine(t, stores[0], "Fresh", day)
	deliveries := agedDeliveries(t, stores[0])

	var stops []func()
	for _, s := range stores {
		stops = append(stops, startMaintenance(t, s, 30))
	}
	waitUntil(t, "the upkeep to complete", func() bool { _, done := upkeepJobs(t, stores[0]); return done >= 1 })
	// Give the other instances every chance to run it too: each starts
	// its scheduler with a run, and any could win the leadership.
	time.Sleep(3 * time.Second)
	if all, done := upkeepJobs(t, stores[0]); all != 1 || done != 1 {
		t.Fatalf("upkeep jobs: %d, completed %d; want exactly 1 of each", all, done)
	}
	checkUpkeep(t, stores[0], old, recent, stale, fresh)
	checkDeliveriesPurged(t, stores[0], deliveries)

	// Every instance restarts: a new leader's first run is the same day's.
	for _, stop := range stops {
		stop()
	}
	for _, s := range stores {
		startMaintenance(t, s, 30)
	}
	time.Sleep(3 * time.Second)
	if all, _ := upkeepJobs(t, stores[0]); all != 1 {
		t.Fatalf("after every instance restarted the same day: %d upkeep jobs, want still 1", all)
	}
}

// TestDailyUpkeepRunsAtStartOnTheEmbeddedDatabase: the single process on
// the embedded SQLite runs the upkeep as it starts.
func TestDailyUpkeepRunsAtStartOnTheEmbeddedDatabase(t *testing.T) {
	store := openInstance(t, "", t.TempDir())
	old := agedLead(t, store, "Old", 40*day)
	recent := agedLead(t, store, "Recent", 2*day)
	stale := agedQuarantine(t, store, "Stale", time.Duration(models.QuarantineDays+1)*day)
	fresh := agedQuarantine(t, store, "Fresh", day)
	deliveries := agedDeliveries(t, store)
	startMaintenance(t, store, 30)
	waitUntil(t, "the upkeep to complete", func() bool { _, done := upkeepJobs(t, store); return done == 1 })
	checkUpkeep(t, store, old, recent, stale, fresh)
	checkDeliveriesPurged(t, store, deliveries)
}

// agedDeliveries logs two delivery attempts to a new endpoint, one past
// the log's 30 days and one a day old, and returns the endpoint's id.
func agedDeliveries(t *testing.T, store *models.Store) int64 {
	t.Helper()
	ctx := context.Background()
	e := &models.WebhookEndpoint{URL: "https://crm.example.com/in", Kind: models.WebhookStandard, Events: models.EventLeadCreated, Secret: "whsec_x"}
	if err := store.CreateWebhookEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	for _, age := range []time.Duration{time.Duration(models.WebhookDeliveryKeepDays+1) * day, day} {
		d := &models.WebhookDelivery{EndpointID: e.ID, EventID: "msg_" + age.String(), EventType: models.EventLeadCreated,
			Attempt: 1, StatusCode: 204, Succeeded: true, CreatedAt: time.Now().UTC().Add(-age)}
		if _, err := store.RecordWebhookAttempt(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return e.ID
}

// checkDeliveriesPurged: the delivery log keeps its last 30 days only.
func checkDeliveriesPurged(t *testing.T, store *models.Store, endpointID int64) {
	t.Helper()
	log, err := store.WebhookDeliveries(context.Background(), endpointID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || time.Since(log[0].CreatedAt) > 2*day {
		t.Errorf("delivery log after the upkeep: %d rows (%+v), want only the day-old one", len(log), log)
	}
}

// checkUpkeep: the lead past RETENTION_DAYS is anonymised and the recent
// one kept; the quarantined submission past its days is gone and the
// fresh one kept.
func checkUpkeep(t *testing.T, store *models.Store, old, recent *models.Lead, stale, fresh *models.Quarantined) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		lead   *models.Lead
		erased bool
	}{{old, true}, {recent, false}} {
		l, err := store.LeadByID(ctx, c.lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.ErasedAt != nil; got != c.erased {
			t.Errorf("lead created %s: anonymised %v, want %v", l.CreatedAt.Format(time.DateOnly), got, c.erased)
		}
	}
	if _, err := store.QuarantinedByToken(ctx, stale.Token); err == nil {
		t.Errorf("a quarantined submission %d days old is still kept", models.QuarantineDays+1)
	}
	if _, err := store.QuarantinedByToken(ctx, fresh.Token); err != nil {
		t.Errorf("a quarantined submission a day old: %v, want kept", err)
	}
}
