package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

func init() { register(10, "process", benchProcess) }

// benchProcess starts the portal on an empty database several times and
// reports the median time from exec to a ready /readyz, and its resident
// memory once it has settled.
func benchProcess(ctx context.Context, e *env) ([]row, error) {
	debug.FreeOSMemory()
	var starts, idle []float64
	for range max(e.rounds, 3) {
		// Each start gets an empty database, migrated from nothing, which
		// is the slowest start there is.
		dbURL, err := e.newDatabase(ctx, "process")
		if err != nil {
			return nil, err
		}
		p, took, err := e.startPortal(ctx, dbURL, defaults)
		if err != nil {
			return nil, err
		}
		time.Sleep(2 * time.Second) // let start-up garbage be collected
		rss, _, err := p.memory()
		p.stop()
		if err != nil {
			return nil, err
		}
		starts = append(starts, took.Seconds())
		idle = append(idle, float64(rss))
	}
	start, mem := median(starts), median(idle)
	return measuredWith(defaults, []row{
		{Job: "start to ready, empty database", Portal: fmt.Sprintf("%.0f ms", start*1000), Target: "< 1 s", Pass: under(start, 1)},
		{Job: "idle memory after start (RSS)", Portal: fmt.Sprintf("%.1f MiB", mem/(1<<20)), Target: "< 40 MiB", Pass: under(mem, 40<<20)},
	}), nil
}
