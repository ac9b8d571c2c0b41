package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

func TestCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, env(), &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "intake ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"frobnicate"}, env(), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"serve"}, env("INTAKE_ADDR", "nope"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "INTAKE_ADDR") {
		t.Errorf("bad setting: exit %d, %q", code, errOut.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			vars := []string{"INTAKE_DATA_DIR", dir}
			if dialect == models.Postgres {
				vars = append(vars, "DATABASE_URL", modelstest.DatabaseURL(t))
			}
			for i := 0; i < 2; i++ {
				var out, errOut bytes.Buffer
				if code := run([]string{"migrate"}, env(vars...), &out, &errOut); code != 0 {
					t.Fatalf("migrate run %d: exit %d: %s", i+1, code, errOut.String())
				}
				applied := strings.Contains(errOut.String(), "applied migration")
				if applied != (i == 0) {
					t.Errorf("migrate run %d applied migrations: %v; want only on the first run\n%s", i+1, applied, errOut.String())
				}
			}
			if dialect == models.SQLite {
				if _, err := os.Stat(filepath.Join(dir, "intake.db")); err != nil {
					t.Errorf("the embedded database was not created: %v", err)
				}
			}
		})
	}
}

// TestServeFinishesRequestsOnSIGTERM runs the real binary, starts a
// submission, sends SIGTERM while its body is still arriving, and checks
// the submission completes, the lead is saved and the process exits 0.
func TestServeFinishesRequestsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := modelstest.DatabaseURL(t) // before the build: skipped without PostgreSQL
	bin := buildIntake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "INTAKE_ADDR="+addr, "DATABASE_URL="+dbURL, "INTAKE_DATA_DIR="+t.TempDir(),
		"SUBMIT_MIN_SECONDS=0") // this test posts at machine speed
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr
	waitReady(t, base)

	// Open the form to get the CSRF cookie and token.
	jar := map[string]string{}
	res, err := http.Get(base + "/diagnostic")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, c := range res.Cookies() {
		jar[c.Name] = c.Value
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF token on the form")
	}
	form := url.Values{"_csrf": {string(token[1])}, "name": {"Mid Flight"}, "email": {"mid@example.com"},
		"company": {"Acme"}, "role": {"Lead"}, "consent_summary": {"yes"}}
	diagnostictest.Fill(form, diagnostictest.Shipped(t), diagnostictest.Value(3))
	body := form.Encode()

	// Send the headers and half the body by hand, then SIGTERM, then the rest.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /diagnostic HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nCookie: intake_csrf=%s\r\n\r\n%s",
		addr, len(body), jar["intake_csrf"], body[:len(body)/2])
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	fmt.Fprint(conn, body[len(body)/2:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no response: %v\n%s", err, logs.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("in-flight submission = %d, want 303", resp.StatusCode)
	}

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v, want 0\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the process did not stop after SIGTERM\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no clean stop in the logs:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "mid@example.com") || strings.Contains(logs.String(), "Mid Flight") {
		t.Errorf("personal data in the logs:\n%s", logs.String())
	}

	store, err := models.Open(context.Background(), dbURL, t.TempDir(), models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, err := store.CountLeads(context.Background()); err != nil || n != 1 {
		t.Errorf("%d leads saved (%v), want the one in flight", n, err)
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

// TestDocsDescribeEveryRouteAndCommand keeps docs/ honest and the README
// a short front door that leads to every page of it. (Settings are checked
// by TestDocsConfigurationIsCurrent.)
func TestDocsDescribeEveryRouteAndCommand(t *testing.T) {
	root := repoRoot(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	routes := read("docs/routes.md")
	_, a := startApp(t, models.SQLite)
	for _, r := range a.echo.Routes() {
		path := regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}")
		if !bytes.Contains(routes, []byte("`"+r.Method+" "+path+"`")) {
			t.Errorf("docs/routes.md does not document the route %s %s", r.Method, path)
		}
	}
	operations := read("docs/operations.md")
	for _, cmd := range []string{"serve", "worker", "migrate", "user add", "webhooks add", "webhooks list", "webhooks rotate-secret", "export", "retention", "seed", "stats rebuild", "version", "help"} {
		if !bytes.Contains(operations, []byte("`intake "+cmd)) {
			t.Errorf("docs/operations.md does not document `intake %s`", cmd)
		}
	}

	readme := read("README.md")
	if n := bytes.Count(readme, []byte("\n")); n >= 150 {
		t.Errorf("README.md has %d lines; keep it under 150 and put the detail in docs/", n)
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md (%v)", err)
	}
	for _, page := range pages {
		link := "](docs/" + filepath.Base(page) + ")"
		if !bytes.Contains(readme, []byte(link)) {
			t.Errorf("README.md's map of docs/ does not link %s", filepath.Base(page))
		}
	}
}

// TestDockerfileBuildsLikeCI keeps the image's build line and `make build`
// the same, since CI can only check the latter.
func TestDockerfileBuildsLikeCI(t *testing.T) {
	root := repoRoot(t)
	docker, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	flags := `-trimpath -ldflags "-s -w -X main.version=`
	if !bytes.Contains(docker, []byte("CGO_ENABLED=0 go build "+flags)) || !bytes.Contains(makefile, []byte("BUILD_FLAGS = "+flags)) ||
		!bytes.Contains(makefile, []byte("CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS)")) {
		t.Errorf("the Dockerfile and `make build` must both build with CGO_ENABLED=0 and %s", flags)
	}
	release := regexp.MustCompile(`(?m)^GO_RELEASE = (\S+)$`).FindSubmatch(makefile)
	if release == nil || !bytes.Contains(docker, []byte("FROM golang:"+string(release[1])+"-")) {
		t.Errorf("the Dockerfile must build with the Makefile's Go release (GO_RELEASE)")
	}
	if !bytes.Contains(docker, []byte("USER nonroot")) || !bytes.Contains(docker, []byte(`ENTRYPOINT ["/usr/local/bin/intake"]`)) {
		t.Errorf("the image must run intake as a non-root user")
	}
}
