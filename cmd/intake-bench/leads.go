package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The export and inbox rows share one database of seeded leads per run:
// seeding a million takes minutes, and both read the same leads.
var (
	leadsMu  sync.Mutex
	leadsDB  *seededDB
	leadsErr error
)

// seededDB is a database of leads made by `intake seed`, with a user of
// each role to sign in as.
type seededDB struct {
	url      string
	leads    int
	password string
	users    map[string]string // role → email
}

// seededLeads seeds, once per run, a database with a million leads (2,000
// in smoke mode) through `intake seed`, vacuums and analyses it as
// autovacuum soon would in production, and adds an admin and a marketing
// user; later calls get the same database.
func (e *env) seededLeads(ctx context.Context) (*seededDB, error) {
	leadsMu.Lock()
	defer leadsMu.Unlock()
	if leadsDB != nil || leadsErr != nil {
		return leadsDB, leadsErr
	}
	leadsDB, leadsErr = e.seed(ctx)
	return leadsDB, leadsErr
}

func (e *env) seed(ctx context.Context) (*seededDB, error) {
	n := 1_000_000
	if e.smoke {
		n = 2_000
	}
	// BENCH_LEADS_URL reuses a database seeded before (with intake seed),
	// to try changes without seeding again; it is left as it was found,
	// but for the users added.
	dbURL := os.Getenv("BENCH_LEADS_URL")
	if dbURL == "" {
		var err error
		if dbURL, err = e.newDatabase(ctx, "leads"); err != nil {
			return nil, err
		}
		e.log.Printf("seeding %s leads (intake seed)", thousands(float64(n)))
		start := time.Now()
		if out, err := e.intake(ctx, dbURL, "", "seed", "--leads", fmt.Sprint(n)); err != nil {
			return nil, fmt.Errorf("seed: %v\n%s", err, out)
		}
		e.log.Printf("seeded %s leads in %s", thousands(float64(n)), time.Since(start).Round(time.Second))
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM leads").Scan(&n); err != nil {
		return nil, err
	}
	d := &seededDB{url: dbURL, leads: n, password: "bench password, long enough", users: map[string]string{}}
	run := time.Now().UnixNano()
	for _, role := range []string{"admin", "marketing", "consultant"} {
		email := fmt.Sprintf("%s-%d@bench.stellapop.example", role, run)
		if out, err := e.intake(ctx, dbURL, d.password+"\n", "user", "add", email, "--role", role); err != nil {
			return nil, fmt.Errorf("user add: %v\n%s", err, out)
		}
		d.users[role] = email
	}
	return d, nil
}

// intake runs a command of the release binary on dbURL.
func (e *env) intake(ctx context.Context, dbURL, stdin string, args ...string) ([]byte, error) {
	return e.intakeWith(ctx, dbURL, nil, stdin, args...)
}

// intakeWith is intake with further settings (KEY=value) for the command.
func (e *env) intakeWith(ctx context.Context, dbURL string, env []string, stdin string, args ...string) ([]byte, error) {
	data, err := os.MkdirTemp(e.work, "cli-")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+dbURL, "INTAKE_DATA_DIR="+data,
		"INTAKE_SECRET="+benchSecret, "LOG_LEVEL=warn"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	return cmd.CombinedOutput()
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs in to the portal as the seeded user of role and returns a
// client holding the session.
func (d *seededDB) signIn(p *portal, role string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(p.base + "/admin/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the sign-in form (HTTP %d)", res.StatusCode)
	}
	res, err = c.PostForm(p.base+"/admin/login", url.Values{"_csrf": {string(m[1])}, "email": {d.users[role]}, "password": {d.password}})
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: HTTP %d:\n%s", role, res.StatusCode, firstLine(string(bytes.TrimSpace(body))))
	}
	return c, nil
}
