package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Before each measured round the machine is let settle: work left over
// from the round before (PostgreSQL's autovacuum after a load of inserts,
// a checkpoint, a process still exiting) would otherwise land in whichever
// side runs next, and on two cores one such burst moves a ratio by a tenth.
// The servers under test stay up while it waits, idle, so what they do on
// their own (the job queue's polls, the log's flushes) is not waited away.
const (
	quietBusy   = 0.05                   // the CPUs together busy at most this share of the window
	quietWindow = 500 * time.Millisecond // the window the share is read over
	settleLimit = 30 * time.Second       // after which the round runs anyway, and the report says so
)

// settling counts what the waits did, for the report's header.
type settling struct {
	mu        sync.Mutex
	rounds    int           // rounds that waited for quiet first
	waited    int           // of them, those that found the machine busy
	unsettled int           // of them, those that ran busy after settleLimit
	longest   time.Duration // the longest wait
}

// quiet is the run's record of its waits: alternate and compareServers,
// which every load comparison goes through, wait on it.
var quiet settling

// wait returns once the machine has been quiet for a window, or after
// settleLimit, or when ctx ends.
func (s *settling) wait(ctx context.Context) error {
	start := time.Now()
	busy := false
	for {
		share, err := busyShare(ctx, quietWindow)
		if err != nil {
			return err
		}
		if share <= quietBusy {
			break
		}
		busy = true
		if time.Since(start) >= settleLimit {
			s.record(time.Since(start), true, true)
			return nil
		}
	}
	s.record(time.Since(start), busy, false)
	return nil
}

func (s *settling) record(d time.Duration, busy, unsettled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rounds++
	if busy {
		s.waited++
		s.longest = max(s.longest, d)
	}
	if unsettled {
		s.unsettled++
	}
}

// describe is the report's line about the waits; "" when no round waited.
func (s *settling) describe() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rounds == 0 {
		return ""
	}
	line := fmt.Sprintf("Each measured round of a comparison started on a quiet machine: the run waited until its CPUs together were at most %.0f%% busy over %s (%d rounds; %d found it busy, the longest wait %.1f s",
		quietBusy*100, quietWindow, s.rounds, s.waited, s.longest.Seconds())
	if s.unsettled > 0 {
		line += fmt.Sprintf("; %d still busy after %s, run anyway", s.unsettled, settleLimit)
	}
	return line + ")"
}

// busyShare is the share of the machine's CPU time spent busy over d.
func busyShare(ctx context.Context, d time.Duration) (float64, error) {
	busy0, total0, err := machineTimes()
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	busy1, total1, err := machineTimes()
	if err != nil {
		return 0, err
	}
	if total1 <= total0 {
		return 0, nil
	}
	return (busy1 - busy0) / (total1 - total0), nil
}

// machineBusy is the CPU time every CPU of the machine has spent busy, in
// seconds, from the first line of /proc/stat.
func machineBusy() (float64, error) {
	busy, _, err := machineTimes()
	return busy / userHZ, err
}

// machineTimes reads the first line of /proc/stat: the CPU time all CPUs
// have spent busy, and in all, in USER_HZ ticks. Of user, nice, system,
// idle, iowait, irq, softirq and steal, all but idle and iowait are busy.
func machineTimes() (busy, total float64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	return parseCPULine(string(b))
}

func parseCPULine(stat string) (busy, total float64, err error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: %q", line)
	}
	for i, v := range f[1:9] {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total, nil
}
