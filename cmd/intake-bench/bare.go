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
	"strconv"
	"strings"
	"time"
)

// bareGo is Go's HTTP server with nothing of the portal's, serving the
// same bytes with the same headers from memory in a process of its own
// (this program, run again), so that it shares neither heap nor scheduler
// with the benchmark.
type bareGo struct {
	cmd  *exec.Cmd
	done chan error
	base string // http://127.0.0.1:port
}

// bareServerArg, as this program's first argument, makes it the bare
// server: bareServerArg ADDR, with the files to serve as JSON on stdin.
const bareServerArg = "bare-net-http"

func startBareGo(files []servedFile, pin pinning) (*bareGo, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(files)
	if err != nil {
		return nil, err
	}
	cmd := pin.server(self, bareServerArg, addr)
	cmd.Stdin = strings.NewReader(string(manifest))
	cmd.Env = append(processEnv(), pin.goEnv()...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &bareGo{cmd: cmd, done: make(chan error, 1), base: "http://" + addr}
	go func() { b.done <- cmd.Wait() }()
	for start := time.Now(); ; {
		if res, err := http.Get(b.base + "/"); err == nil {
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

// serveBare is the bare server's process: bareHandler for the files read
// from stdin. It never returns.
func serveBare(addr string) {
	var files []servedFile
	if err := json.NewDecoder(os.Stdin).Decode(&files); err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: addr, Handler: bareHandler(files), ReadHeaderTimeout: 5 * time.Second}
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

// bareHandler answers each file from memory: the gzip answer to a client
// that takes gzip and the plain one to any other, each with the headers
// the portal sent with it.
func bareHandler(files []servedFile) http.Handler {
	byPath := map[string]servedFile{}
	for _, f := range files {
		path, _, _ := strings.Cut(f.Path, "?")
		for _, a := range []answer{f.Plain, f.Gzip} {
			a.Header["Content-Length"] = []string{strconv.Itoa(len(a.Body))}
		}
		byPath[path] = f
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a := f.Plain
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			a = f.Gzip
		}
		h := w.Header()
		for k, v := range a.Header {
			h[k] = v
		}
		_, _ = w.Write(a.Body)
	})
}
