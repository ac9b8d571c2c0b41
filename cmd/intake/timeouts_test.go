package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/static"
)

// TestSlowClientsAreCutOff: a client that sends its headers or its body
// too slowly, keeps a connection idle, or stops reading its answers has
// its connection closed by the server's timeouts, here shortened, instead
// of holding it for as long as it likes. Each case gives the server far
// longer than its timeout (patience) before it counts as held.
func TestSlowClientsAreCutOff(t *testing.T) {
	base, _ := startAppConfigured(t, models.SQLite, io.Discard, func(c *Config) {
		c.timeouts = serverTimeouts{header: 300 * time.Millisecond, request: 600 * time.Millisecond,
			write: 600 * time.Millisecond, idle: 400 * time.Millisecond}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	const patience = 5 * time.Second
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	stylesheet := assets.URL("css/site.css")

	t.Run("headers that stall", func(t *testing.T) {
		c := dial(t, addr, 0)
		write(t, c, "GET /healthz HTTP/1.1\r\nHost: intake.test\r\n")
		if err := closedWithin(c, patience); err != nil {
			t.Fatalf("a request whose headers stopped halfway: %v", err)
		}
	})

	t.Run("a body that stalls", func(t *testing.T) {
		c := dial(t, addr, 0)
		write(t, c, "POST /diagnostic HTTP/1.1\r\nHost: intake.test\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nq1=3&")
		if err := closedWithin(c, patience); err != nil {
			t.Fatalf("a form whose body stopped after 5 of 1,000 bytes: %v", err)
		}
	})

	t.Run("an idle kept connection", func(t *testing.T) {
		c := dial(t, addr, 0)
		write(t, c, "GET /healthz HTTP/1.1\r\nHost: intake.test\r\n\r\n")
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(patience))
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Close {
			t.Fatalf("GET /healthz: %d, close %v; want 200 on a kept connection", res.StatusCode, res.Close)
		}
		if err := closedWithin(readerConn{c, br}, patience); err != nil {
			t.Fatalf("a connection left idle after its answer: %v", err)
		}
	})

	t.Run("a reader that stops reading", func(t *testing.T) {
		// 1,000 stylesheets asked for at once, 12 MB of answers: far more
		// than the two sockets' buffers hold, so the server's writes
		// block until the client reads. The client takes the first
		// answer, then reads nothing for a while; after that it gets
		// only what the buffers still held before the server gave up.
		// Without a write timeout all 1,000 would come.
		const asked = 1000
		c := dial(t, addr, 4096)
		var reqs strings.Builder
		for range asked {
			fmt.Fprintf(&reqs, "GET %s HTTP/1.1\r\nHost: intake.test\r\n\r\n", stylesheet)
		}
		write(t, c, reqs.String())
		br := bufio.NewReader(c)
		got := 0
		read := func() bool {
			_ = c.SetReadDeadline(time.Now().Add(patience))
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				return false
			}
			defer res.Body.Close()
			_, err = io.Copy(io.Discard, res.Body)
			if err == nil && res.StatusCode == http.StatusOK {
				got++
			}
			return err == nil
		}
		if !read() || got != 1 {
			t.Fatal("the first stylesheet did not arrive")
		}
		time.Sleep(2 * time.Second) // well past the write timeout
		for got < asked && read() {
		}
		if got == asked {
			t.Fatalf("all %d answers arrived to a client that read none for 2 s: the server waited on it", asked)
		}
		if err := closedWithin(readerConn{c, br}, patience); err != nil {
			t.Fatalf("after %d answers: %v", got, err)
		}
		t.Logf("%d of %d answers arrived before the server gave up on the reader", got, asked)
	})
}

// dial connects to addr, with a receive buffer of rcvbuf bytes when not 0.
func dial(t *testing.T, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

// readerConn reads through a buffered reader already holding some of c.
type readerConn struct {
	net.Conn
	r *bufio.Reader
}

func (c readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// closedWithin reads and drops whatever c still sends until the server
// closes it, and reports an error if it is still open after patience.
func closedWithin(c net.Conn, patience time.Duration) error {
	_ = c.SetReadDeadline(time.Now().Add(patience))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("the server still held the connection after %s", patience)
	}
	return nil // closed, or reset
}
