package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// bareGo is Go's HTTP server with nothing of the portal's, serving the
// same files and headers from memory in a process of its own (this
// program, run again), so that it shares neither heap nor scheduler with
// the benchmark.
type bareGo struct {
	cmd  *exec.Cmd
	done chan error
	Addr string
}

// bareServerArg, as this program's first argument, makes it the bare
// server: bareServerArg DOCROOT ADDR, with the headers as JSON on stdin.
const bareServerArg = "bare-net-http"

func startBareGo(docroot string, hdr http.Header) (*bareGo, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fixed := http.Header{}
	for _, name := range copiedHeaders {
		if v := hdr.Get(name); v != "" {
			fixed.Set(name, v)
		}
	}
	headers, err := json.Marshal(fixed)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, bareServerArg, docroot, addr)
	cmd.Stdin = strings.NewReader(string(headers))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &bareGo{cmd: cmd, done: make(chan error, 1), Addr: addr}
	go func() { b.done <- cmd.Wait() }()
	for start := time.Now(); ; {
		if res, err := http.Get("http://" + addr + "/"); err == nil {
			res.Body.Close()
			return b, nil
		}
		select {
		case err := <-b.done:
			return nil, fmt.Errorf("the bare Go server exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Since(start) > 10*time.Second {
			b.Close()
			return nil, errors.New("the bare Go server did not answer within 10 s")
		}
	}
}

// Close stops the bare server.
func (b *bareGo) Close() { stopProcess(b.cmd, b.done, os.Interrupt, 5*time.Second) }

// serveBare is the bare server's process: every file under docroot (with
// its .gz beside it, as nginx's gzip_static reads them) from memory, with
// the headers read from stdin. It never returns.
func serveBare(docroot, addr string) {
	var fixed http.Header
	if err := json.NewDecoder(os.Stdin).Decode(&fixed); err != nil {
		log.Fatal(err)
	}
	type file struct{ plain, gz []byte }
	files := map[string]file{}
	err := filepath.WalkDir(docroot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".gz") {
			return err
		}
		var f file
		if f.plain, err = os.ReadFile(path); err != nil {
			return err
		}
		f.gz, _ = os.ReadFile(path + ".gz")
		rel, _ := filepath.Rel(docroot, path)
		files["/"+filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range fixed {
			h[k] = v
		}
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
		if strings.HasSuffix(r.URL.Path, ".css") {
			h["Content-Type"] = []string{"text/css; charset=utf-8"}
		}
		body := f.plain
		if f.gz != nil {
			h["Vary"] = []string{"Accept-Encoding"}
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				body = f.gz
				h["Content-Encoding"] = []string{"gzip"}
			}
		}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	os.Exit(0)
}
