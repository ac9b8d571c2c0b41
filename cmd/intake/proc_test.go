package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real binary as a child process, so a signal
// hits it exactly as it would in production.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildOut  []byte
)

// buildIntake builds the binary once per test run into .cache/test-bin and
// returns its path; every test that starts the process shares it.
func buildIntake(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir := filepath.Join(repoRoot(t), ".cache", "test-bin")
		if buildErr = os.MkdirAll(dir, 0o755); buildErr != nil {
			return
		}
		// Build beside the final name and rename, so two test runs in the
		// same checkout never start a half-written binary.
		tmp, err := os.CreateTemp(dir, "intake-*")
		if err != nil {
			buildErr = err
			return
		}
		tmp.Close()
		buildOut, buildErr = exec.Command("go", "build", "-o", tmp.Name(), ".").CombinedOutput()
		if buildErr != nil {
			os.Remove(tmp.Name())
			return
		}
		builtBin = filepath.Join(dir, "intake")
		buildErr = os.Rename(tmp.Name(), builtBin)
	})
	if buildErr != nil {
		t.Fatalf("build: %v\n%s", buildErr, buildOut)
	}
	return builtBin
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer that a process may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// intakeProc is one run of `intake serve` as a child process.
type intakeProc struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// startIntake runs `intake serve` on addr with the environment vars
// (NAME=value) added to the test's, waits until it is ready, and kills it
// when the test ends if it is still running. All its runs write their logs
// to logs.
func startIntake(t *testing.T, bin, addr string, logs *syncBuffer, vars ...string) *intakeProc {
	t.Helper()
	p := spawnIntake(t, bin, "serve", addr, logs, vars...)
	waitReady(t, p.base)
	return p
}

// spawnIntake runs `intake command` on addr as startIntake does, without
// waiting for it to be ready, so several can start at the same moment.
func spawnIntake(t *testing.T, bin, command, addr string, logs *syncBuffer, vars ...string) *intakeProc {
	t.Helper()
	cmd := exec.Command(bin, command)
	cmd.Env = append(os.Environ(), "INTAKE_ADDR="+addr)
	cmd.Env = append(cmd.Env, vars...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &intakeProc{cmd: cmd, base: "http://" + addr, logs: logs, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill(t) })
	return p
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits for it to be gone.
func (p *intakeProc) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)
}

// wait waits up to timeout for the process to exit and returns Wait's error.
func (p *intakeProc) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("the process did not exit within %v\n%s", timeout, tail(p.logs.String(), 40))
		return nil
	}
}

// tail is the last n lines of s, for failure messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
