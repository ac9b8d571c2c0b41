package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStates are the job states counted at each scrape: work waiting or
// in progress. Finished jobs (completed, cancelled, discarded) are not.
var QueueStates = []string{"available", "scheduled", "retryable", "running"}

// queueQueryTimeout bounds the count so a slow database never stalls a
// scrape; on SQLite the query may wait for the one shared connection.
const queueQueryTimeout = 2 * time.Second

// queueQuery counts unfinished River jobs by state in one statement that
// reads the same on PostgreSQL (where state is an enum) and SQLite.
const queueQuery = `SELECT CAST(state AS TEXT), COUNT(*) FROM river_job
WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY state`

// queueCollector reports the email queue's depth, read at scrape time.
type queueCollector struct {
	db     *sql.DB
	jobs   *prometheus.Desc
	errors prometheus.Counter
}

func newQueueCollector(db *sql.DB) *queueCollector {
	return &queueCollector{
		db: db,
		jobs: prometheus.NewDesc("intake_queue_jobs",
			"Jobs in the email queue that are not finished, by state, counted at scrape time.",
			[]string{"state"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_queue_scrape_errors_total",
			Help: "Scrapes where the queue's jobs could not be counted (its series are then left out).",
		}),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	c.errors.Describe(ch)
}

// Collect counts the jobs. If the database does not answer in time the
// depth is left out rather than reported as zero, and the error counter
// rises; the rest of the scrape still succeeds.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.count()
	if err != nil {
		c.errors.Inc()
	} else {
		for _, state := range QueueStates {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(counts[state]), state)
		}
	}
	c.errors.Collect(ch)
}

func (c *queueCollector) count() (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queueQueryTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, queueQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
