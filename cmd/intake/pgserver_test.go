package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/models/modelstest"
)

// Fault tests that stop PostgreSQL run their own private server, so the
// shared one at 127.0.0.1:5432 (and every other package's tests on it) is
// never disturbed. `make test` sets INTAKE_FAULT_TESTS=required and
// INTAKE_PG_TESTS=required, so there missing PostgreSQL binaries fail the
// run; a bare `go test` skips them.

// pgServer is a private PostgreSQL cluster in a temporary directory,
// listening on 127.0.0.1 on a free port and on a unix socket in that
// directory.
type pgServer struct {
	bin  string // directory holding initdb, pg_ctl and postgres
	dir  string // the cluster's directory: data, socket and log
	port int
	cred *syscall.Credential // the postgres OS user, when the tests run as root
}

// postgresBinDir finds initdb and pg_ctl: PG_BINDIR, the newest Debian
// /usr/lib/postgresql/*/bin, or PATH.
func postgresBinDir() (string, error) {
	var dirs []string
	if d := os.Getenv("PG_BINDIR"); d != "" {
		dirs = append(dirs, d)
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(debian, func(i, j int) bool { return pgMajor(debian[i]) > pgMajor(debian[j]) })
	dirs = append(dirs, debian...)
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		_, err1 := os.Stat(filepath.Join(d, "initdb"))
		_, err2 := os.Stat(filepath.Join(d, "pg_ctl"))
		if err1 == nil && err2 == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl) in PG_BINDIR, /usr/lib/postgresql/*/bin or PATH")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// skipOrFailFault skips a fault test that cannot run its own PostgreSQL
// here, or fails it under `make test` (INTAKE_FAULT_TESTS=required, and
// INTAKE_PG_TESTS=required as for every test that needs PostgreSQL).
func skipOrFailFault(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("INTAKE_FAULT_TESTS") == "required" {
		t.Fatalf("%s; INTAKE_FAULT_TESTS=required (as in `make test`) needs it", why)
	}
	modelstest.PostgresUnavailable(t, why+" (install PostgreSQL's server package to run this test)")
}

// startPrivatePostgres creates and starts a private cluster that is
// stopped and deleted when the test ends.
func startPrivatePostgres(t *testing.T) *pgServer {
	t.Helper()
	bin, err := postgresBinDir()
	if err != nil {
		skipOrFailFault(t, err.Error())
	}
	s := &pgServer{bin: bin}
	// PostgreSQL refuses to run as root: run it as the postgres OS user.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skipOrFailFault(t, "running as root and there is no postgres OS user to run PostgreSQL as")
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parent is private to root, and the server runs as
	// postgres. The socket's path must also stay short.
	s.dir, err = os.MkdirTemp("", "intake-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = s.pgctl("stop", "-m", "immediate", "-w", "-t", "10")
		os.RemoveAll(s.dir)
	})
	if out, err := s.run("initdb", "-D", s.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	s.port, _ = strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:])
	s.start(t)
	return s
}

func (s *pgServer) data() string { return filepath.Join(s.dir, "data") }

// URL is the connection string of the cluster's postgres database.
func (s *pgServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// start starts the server and waits until it accepts connections.
func (s *pgServer) start(t *testing.T) {
	t.Helper()
	// fsync=off only spares the shared disk: the tests kill processes, not
	// the machine, so whatever PostgreSQL wrote is still in the page cache.
	// Commits stay synchronous, so an acknowledged commit is in the WAL.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", s.port, s.dir)
	if err := s.pgctl("start", "-w", "-t", "30", "-l", filepath.Join(s.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		t.Fatalf("start PostgreSQL: %v\n%s", err, tail(string(log), 30))
	}
}

// stop stops the server in mode (fast or immediate) and waits until it is down.
func (s *pgServer) stop(t *testing.T, mode string) {
	t.Helper()
	if err := s.pgctl("stop", "-m", mode, "-w", "-t", "30"); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
}

func (s *pgServer) pgctl(args ...string) error {
	out, err := s.run("pg_ctl", append([]string{"-D", s.data()}, args...)...)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// run runs one of the server's programs as the postgres OS user.
func (s *pgServer) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	// pg_ctl start leaves the server running: never wait on it for output.
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + s.bin + ":/usr/bin:/bin", "LC_ALL=C", "HOME=" + s.dir}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}
