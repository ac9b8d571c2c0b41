package main

import (
	"slices"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		list string
		want []int
	}{
		{"0", []int{0}},
		{"0-1", []int{0, 1}},
		{"0-2,5", []int{0, 1, 2, 5}},
		{"2,4-5", []int{2, 4, 5}},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.list)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseCPUList(%q) = %v, %v; want %v", tt.list, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "0-"} {
		if got, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q) = %v, want an error", bad, got)
		}
	}
}

func TestPinningSplitsTheLoadFromTheServer(t *testing.T) {
	tests := []struct {
		name            string
		allowed         []int
		taskset         string
		load, cpus      string
		gomaxprocs      []string
		workers         string
		threads         int
		wrk             []string
		pinned          bool
		unpinnedBecause string
	}{
		{"two CPUs", []int{0, 1}, "/usr/bin/taskset", "0", "1", []string{"GOMAXPROCS=1"}, "1", 1,
			[]string{"/usr/bin/taskset", "-c", "0", "wrk", "-c", "32"}, true, ""},
		{"four CPUs from 2", []int{2, 3, 4, 5}, "/usr/bin/taskset", "2", "3,4,5", []string{"GOMAXPROCS=3"}, "3", 1,
			[]string{"/usr/bin/taskset", "-c", "2", "wrk", "-c", "32"}, true, ""},
		{"one CPU", []int{0}, "/usr/bin/taskset", "", "", nil, "auto", 2,
			[]string{"wrk", "-c", "32"}, false, "not pinned: 1 CPU, none to spare for the load"},
		{"no taskset", []int{0, 1}, "", "", "", nil, "auto", 2,
			[]string{"wrk", "-c", "32"}, false, "not pinned: taskset (util-linux) not found"},
	}
	for _, tt := range tests {
		p := pinningFor(tt.allowed, tt.taskset)
		name, args := p.loadCommand("wrk", "-c", "32")
		if p.pinned() != tt.pinned || p.load != tt.load || p.cpus != tt.cpus || p.why != tt.unpinnedBecause {
			t.Errorf("%s: pinned %v, load %q, server %q, why %q; want %v, %q, %q, %q",
				tt.name, p.pinned(), p.load, p.cpus, p.why, tt.pinned, tt.load, tt.cpus, tt.unpinnedBecause)
		}
		if got := p.goEnv(); !slices.Equal(got, tt.gomaxprocs) {
			t.Errorf("%s: goEnv = %v, want %v", tt.name, got, tt.gomaxprocs)
		}
		if got := p.nginxWorkers(); got != tt.workers {
			t.Errorf("%s: nginx workers = %q, want %q", tt.name, got, tt.workers)
		}
		if got := p.loadThreads(2); got != tt.threads {
			t.Errorf("%s: wrk threads = %d, want %d", tt.name, got, tt.threads)
		}
		if got := append([]string{name}, args...); !slices.Equal(got, tt.wrk) {
			t.Errorf("%s: wrk runs as %q, want %q", tt.name, got, tt.wrk)
		}
	}
}

func TestPinnedPortalSettingsSayItIsPinned(t *testing.T) {
	p := pinningFor([]int{0, 1}, "/usr/bin/taskset")
	s := p.portal(defaults)
	if s.name != "defaults, pinned" || s.cpus != "1" || !slices.Equal(s.env, []string{"GOMAXPROCS=1"}) {
		t.Errorf("pinned defaults = %+v", s)
	}
	if len(defaults.env) != 0 || defaults.cpus != "" {
		t.Errorf("pinning changed defaults itself: %+v", defaults)
	}
	if u := pinningFor([]int{0}, "/usr/bin/taskset").portal(defaults); u.name != "defaults" || u.cpus != "" {
		t.Errorf("unpinned defaults = %+v, want defaults unchanged", u)
	}
}
