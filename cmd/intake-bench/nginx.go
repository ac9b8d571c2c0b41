package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// nginxServer is one nginx run for this benchmark.
type nginxServer struct {
	cmd     *exec.Cmd
	base    string
	done    chan error
	version string // e.g. 1.22.1
}

// copiedHeaders are the portal's headers that nginx adds too, so both send
// the same bytes over the wire.
var copiedHeaders = []string{
	"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
	"Permissions-Policy", "X-Frame-Options", "Cache-Control",
}

// startNginx serves docroot, where files were written, with a location
// for each file that sends the portal's headers and Content-Type for it,
// on the CPUs pin gives the server under test.
func startNginx(ctx context.Context, e *env, nginx, docroot string, files []servedFile, pin pinning) (*nginxServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var locations strings.Builder
	for _, f := range files {
		path, _, _ := strings.Cut(f.Path, "?")
		fmt.Fprintf(&locations, "    location = %s {\n      types { }\n      default_type %q;\n", path, f.Plain.Header.Get("Content-Type"))
		for _, name := range copiedHeaders {
			if v := f.Plain.Header.Get(name); v != "" {
				fmt.Fprintf(&locations, "      add_header %s %q always;\n", name, v)
			}
		}
		locations.WriteString("    }\n")
	}
	block := fmt.Sprintf(`  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { text/css css; application/javascript js; image/svg+xml svg; }
  default_type "text/html; charset=utf-8";
  gzip off;
  gzip_static on;
  gzip_vary on;
  server {
    listen %s;
    root %s;
%s  }
`, addr, docroot, locations.String())
	return runNginx(ctx, e, nginx, addr, block, pin)
}

// runNginx starts nginx with block as the inside of its http block, after
// what every run of it shares (no access log, its files in a scratch
// directory), on pin's server CPUs, and waits until addr answers.
func runNginx(ctx context.Context, e *env, nginx, addr, block string, pin pinning) (*nginxServer, error) {
	dir, err := os.MkdirTemp(e.work, "nginx-")
	if err != nil {
		return nil, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n"
	}
	conf := fmt.Sprintf(`%sdaemon off;
master_process on;
worker_processes %[3]s;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  server_tokens off;
%[4]s}
`, user, dir, pin.nginxWorkers(), block)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	logs, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		return nil, err
	}
	cmd := pin.server(nginx, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &nginxServer{cmd: cmd, base: "http://" + addr, done: make(chan error, 1), version: nginxVersion(nginx)}
	go func() { n.done <- cmd.Wait(); logs.Close() }()
	for start := time.Now(); ; {
		if res, err := http.Get(n.base + "/"); err == nil {
			res.Body.Close()
			return n, nil
		}
		select {
		case err := <-n.done:
			out, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			errOut, _ := os.ReadFile(logs.Name())
			return nil, fmt.Errorf("nginx exited (%v):\n%s%s", err, out, errOut)
		case <-ctx.Done():
			n.stop()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Since(start) > 10*time.Second {
			n.stop()
			return nil, errors.New("nginx did not answer within 10 s")
		}
	}
}

// stop asks nginx to finish (SIGQUIT: graceful) and waits for it.
func (n *nginxServer) stop() { stopProcess(n.cmd, n.done, syscall.SIGQUIT, 10*time.Second) }

// nginxVersion is what `nginx -v` says, e.g. 1.22.1.
func nginxVersion(nginx string) string {
	out, _ := exec.Command(nginx, "-v").CombinedOutput()
	_, v, ok := strings.Cut(strings.TrimSpace(string(out)), "nginx/")
	if !ok {
		return "(version unknown)"
	}
	return v
}
