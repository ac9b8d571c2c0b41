package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// pinning splits the machine's CPUs between the load generator and the
// server under test, so that neither takes the other's CPU in the middle
// of a request: wrk on the first CPU this program may use, the server on
// the rest. Every server of a comparison runs on the same CPUs, so the
// comparison stays fair. The zero pinning pins nothing.
type pinning struct {
	taskset    string // taskset's path; "" when nothing is pinned
	load       string // CPU list for the load generator, as taskset -c takes it
	cpus       string // CPU list for the server under test
	serverCPUs int    // how many CPUs the server has: its GOMAXPROCS, nginx's workers
	why        string // why nothing is pinned, when nothing is
}

// pinningFor pins the load to the first of allowed and the server to the
// rest, when there are at least two CPUs and taskset (util-linux) was
// found; otherwise it pins nothing and says why.
func pinningFor(allowed []int, taskset string) pinning {
	switch {
	case taskset == "":
		return pinning{why: "not pinned: taskset (util-linux) not found"}
	case len(allowed) < 2:
		return pinning{why: fmt.Sprintf("not pinned: %d CPU, none to spare for the load", len(allowed))}
	}
	rest := make([]string, len(allowed)-1)
	for i, c := range allowed[1:] {
		rest[i] = strconv.Itoa(c)
	}
	return pinning{taskset: taskset, load: strconv.Itoa(allowed[0]), cpus: strings.Join(rest, ","), serverCPUs: len(rest)}
}

// machinePinning is pinningFor the CPUs this program may run on.
func machinePinning() pinning {
	allowed, err := allowedCPUs()
	if err != nil {
		return pinning{why: "not pinned: " + err.Error()}
	}
	taskset, _ := exec.LookPath("taskset")
	return pinningFor(allowed, taskset)
}

// allowedCPUs reads the CPUs this process may run on (Cpus_allowed_list
// in /proc/self/status).
func allowedCPUs() ([]int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == "Cpus_allowed_list" {
			return parseCPUList(strings.TrimSpace(v))
		}
	}
	return nil, fmt.Errorf("no Cpus_allowed_list in /proc/self/status")
}

// parseCPUList reads a CPU list as the kernel writes one, e.g. "0-2,5".
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b {
			return nil, fmt.Errorf("CPU list %q", s)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

func (p pinning) pinned() bool { return p.taskset != "" }

// loadCommand runs the load generator on the load's CPU.
func (p pinning) loadCommand(name string, args ...string) (string, []string) {
	return p.wrap(p.load, name, args)
}

// server is a command for a server under test, on the server's CPUs.
// taskset execs the server in its own process, so the command's PID is
// the server's.
func (p pinning) server(name string, args ...string) *exec.Cmd {
	name, args = p.wrap(p.cpus, name, args)
	return exec.Command(name, args...)
}

func (p pinning) wrap(cpus, name string, args []string) (string, []string) {
	if !p.pinned() {
		return name, args
	}
	return p.taskset, append([]string{"-c", cpus, name}, args...)
}

// goEnv is the environment a Go server under test adds: GOMAXPROCS as
// many as its CPUs, which Go would pick by itself from its affinity, set
// so the settings list shows it.
func (p pinning) goEnv() []string {
	if !p.pinned() {
		return nil
	}
	return []string{"GOMAXPROCS=" + strconv.Itoa(p.serverCPUs)}
}

// nginxWorkers is nginx's worker_processes: one per server CPU when
// pinned, as many as the machine has otherwise.
func (p pinning) nginxWorkers() string {
	if !p.pinned() {
		return "auto"
	}
	return strconv.Itoa(p.serverCPUs)
}

// loadThreads is how many threads wrk runs: one per CPU it has when
// pinned, else want.
func (p pinning) loadThreads(want int) int {
	if !p.pinned() {
		return want
	}
	return len(strings.Split(p.load, ","))
}

// portal is s for a portal under test with this pinning.
func (p pinning) portal(s settings) settings {
	if !p.pinned() {
		return s
	}
	s.name += ", pinned"
	s.env = append(append([]string(nil), s.env...), p.goEnv()...)
	s.cpus = p.cpus
	why := fmt.Sprintf("the portal on CPU %s with `taskset -c %s`, wrk on CPU %s; the reference servers of its rows pinned the same", p.cpus, p.cpus, p.load)
	if s.why != "" {
		why = s.why + "; " + why
	}
	s.why = why
	return s
}

// describe says how a comparison's processes ran, for the notes above
// the table.
func (p pinning) describe() string {
	if !p.pinned() {
		return "Pages against the bare server and nginx: " + p.why + "; wrk and the servers share every CPU"
	}
	return fmt.Sprintf("Pages against the bare server and nginx: both sides pinned. wrk on CPU %s (`taskset -c %s`, one thread per CPU); "+
		"the server under test, the portal and the bare net/http server and nginx alike, on CPU %s (`taskset -c %s`), "+
		"the Go servers with GOMAXPROCS=%d, nginx with %d worker(s)", p.load, p.load, p.cpus, p.cpus, p.serverCPUs, p.serverCPUs)
}

// loadPrefix is how the load generator's command starts in the table:
// "taskset -c 0 " when pinned, nothing otherwise.
func (p pinning) loadPrefix() string {
	if !p.pinned() {
		return ""
	}
	return "taskset -c " + p.load + " "
}

// inRow says in a row's limit how both sides ran.
func (p pinning) inRow() string {
	if !p.pinned() {
		return p.why
	}
	return fmt.Sprintf("both sides pinned: server on CPU %s, wrk on CPU %s", p.cpus, p.load)
}
