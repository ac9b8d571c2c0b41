package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports PostgreSQL's connection pool. Submissions and the
// email queue take connections from it directly, without database/sql,
// so the go_sql_* series alone would not show them.
type poolCollector struct {
	pool                            *pgxpool.Pool
	conns, max                      *prometheus.Desc
	acquires, emptyAcquires, waited *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	return &poolCollector{
		pool: pool,
		conns: prometheus.NewDesc("intake_db_pool_connections",
			"PostgreSQL connections in the pool, by state: acquired (in use), idle, constructing.", []string{"state"}, nil),
		max: prometheus.NewDesc("intake_db_pool_max_connections",
			"The most PostgreSQL connections the pool opens (DATABASE_MAX_CONNS).", nil, nil),
		acquires: prometheus.NewDesc("intake_db_pool_acquires_total",
			"Connections taken from the pool.", nil, nil),
		emptyAcquires: prometheus.NewDesc("intake_db_pool_empty_acquires_total",
			"Connections taken when none was idle, so the taker waited for one to be opened or given back.", nil, nil),
		waited: prometheus.NewDesc("intake_db_pool_acquire_seconds_total",
			"Time spent taking connections from the pool.", nil, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.max, c.acquires, c.emptyAcquires, c.waited} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.emptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
