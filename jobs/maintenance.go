package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/models"
)

// MaintenanceQueue is the queue of the daily upkeep, apart from the emails
// so that a long backlog of either never holds up the other.
const MaintenanceQueue = "maintenance"

// DailyUpkeepArgs is the daily upkeep: the retention policy, the
// quarantine purge and the webhook delivery log's. It carries nothing; the
// settings are the worker's.
type DailyUpkeepArgs struct{}

// Kind names the job type in the queue.
func (DailyUpkeepArgs) Kind() string { return "daily_upkeep" }

// InsertOpts makes the upkeep unique per UTC day among jobs waiting,
// running or completed: however many instances start, and however often
// the leader changes, it runs once a day. A day's job that failed all its
// attempts (discarded) does not count, so the next hourly offer tries
// again.
func (DailyUpkeepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       MaintenanceQueue,
		MaxAttempts: 5,
		UniqueOpts:  river.UniqueOpts{ByPeriod: 24 * time.Hour},
	}
}

// DailyUpkeepWorker anonymises the leads kept longer than the policy
// allows, deletes unreleased quarantined submissions past their days and
// the webhook delivery log's rows past WebhookDeliveryKeepDays. It logs
// counts only, never a lead.
type DailyUpkeepWorker struct {
	river.WorkerDefaults[DailyUpkeepArgs]
	Store *models.Store
	Days  int // RETENTION_DAYS
	Log   *slog.Logger
}

// Work applies all three; a failure is retried, and the next run picks up
// where this one stopped.
func (w *DailyUpkeepWorker) Work(ctx context.Context, job *river.Job[DailyUpkeepArgs]) error {
	n, err := w.Store.ApplyRetention(ctx, models.Retention{Days: w.Days})
	if n > 0 {
		w.Log.Info("retention: anonymised leads", slog.Int("count", n), slog.Int("retention_days", w.Days))
	}
	if err != nil {
		return err
	}
	cutoff := time.Now().AddDate(0, 0, -models.QuarantineDays)
	q, err := w.Store.PurgeQuarantine(ctx, cutoff)
	if q > 0 {
		w.Log.Info("retention: deleted unreleased quarantined submissions", slog.Int64("count", q), slog.Int("quarantine_days", models.QuarantineDays))
	}
	if err != nil {
		return err
	}
	d, err := w.Store.PurgeWebhookDeliveries(ctx, time.Now().AddDate(0, 0, -models.WebhookDeliveryKeepDays))
	if d > 0 {
		w.Log.Info("retention: deleted old webhook delivery log rows", slog.Int64("count", d), slog.Int("keep_days", models.WebhookDeliveryKeepDays))
	}
	return err
}

// Timeout gives a first run on a large, long-neglected database time to
// catch up; the default job timeout is meant for an email.
func (w *DailyUpkeepWorker) Timeout(*river.Job[DailyUpkeepArgs]) time.Duration {
	return 30 * time.Minute
}

// maintenanceCheckEvery is how often the leader offers the daily upkeep;
// its uniqueness turns all but the first offer of each day away, so the
// upkeep runs within this long of midnight UTC, or of the first start.
const maintenanceCheckEvery = time.Hour

// AddMaintenance registers the daily upkeep's worker in workers and returns
// its schedule, for Config.Periodic.
func AddMaintenance(workers *river.Workers, store *models.Store, retentionDays int, log *slog.Logger) []*river.PeriodicJob {
	river.AddWorker(workers, &DailyUpkeepWorker{Store: store, Days: retentionDays, Log: log})
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(maintenanceCheckEvery),
		func() (river.JobArgs, *river.InsertOpts) { return DailyUpkeepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "daily_upkeep", RunOnStart: true},
	)}
}
