// Package deploy holds the reference deployment (compose.yaml, nginx.conf);
// these tests keep the two files valid and in step with each other, so CI
// catches a broken proxy config or a mismatched instance before an operator
// does.
package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stellapop/intake/handlers"
)

// The serve instances nginx balances, and every intake service.
var (
	serveServices  = []string{"serve-1", "serve-2"}
	intakeServices = []string{"serve-1", "serve-2", "worker"}
)

const (
	secretRef   = "${INTAKE_SECRET:?set INTAKE_SECRET in deploy/.env}"
	databaseURL = "postgres://intake:${POSTGRES_PASSWORD}@postgres:5432/intake?sslmode=disable"
	trusted     = "172.30.0.0/24"
	smtpURL     = "smtp://mailpit:1025?tls=none"
	nginxMount  = "./nginx.conf:/etc/nginx/nginx.conf:ro"
)

// The paths nginx must never cache, each with its own location block.
var neverCached = []string{"/diagnostic", "/results/", "/admin/", "= /admin", "/api/", "/unsubscribe/", "/hooks/"}

// The only location nginx caches. The article (/ and /articles/) is not one:
// the portal counts its views as it serves them.
var cachedLocations = []string{"/static/"}

// findNginx returns nginx's path, or skips the test where nginx is missing
// and not required (CI and `make test` require it: .ci/deps.sh installs it).
func findNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("CI") != "" || os.Getenv("INTAKE_PG_TESTS") == "required" {
		t.Fatal("nginx is not installed; .ci/deps.sh installs it")
	}
	t.Skip("nginx is not installed (required when CI or INTAKE_PG_TESTS=required is set)")
	return ""
}

// TestNginxConfig runs `nginx -t` on a copy of nginx.conf whose upstream
// hosts are 127.0.0.1 and whose paths are in a temporary folder, so it
// passes on any machine without the compose network.
func TestNginxConfig(t *testing.T) {
	nginx := findNginx(t)
	src, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := string(src)
	conf = regexp.MustCompile(`(?m)^\s*server\s+serve-\d+:8080`).ReplaceAllStringFunc(conf, func(s string) string {
		return regexp.MustCompile(`serve-\d+`).ReplaceAllString(s, "127.0.0.1")
	})
	conf = regexp.MustCompile(`(?m)^user .*$`).ReplaceAllString(conf, "") // the image's user may not exist here
	conf = strings.ReplaceAll(conf, "/var/cache/nginx/intake", filepath.Join(dir, "cache"))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(nginx, "-t", "-q", "-p", dir+"/", "-e", filepath.Join(dir, "error.log"), "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

// location is one location block of nginx.conf: its match and its body.
type location struct{ match, body string }

func locations(t *testing.T, conf string) []location {
	t.Helper()
	var out []location
	re := regexp.MustCompile(`(?m)^\s*location\s+([^{]+?)\s*\{`)
	for _, m := range re.FindAllStringSubmatchIndex(conf, -1) {
		end := strings.Index(conf[m[1]:], "}")
		if end < 0 {
			t.Fatalf("location %q has no end", conf[m[2]:m[3]])
		}
		out = append(out, location{conf[m[2]:m[3]], conf[m[1] : m[1]+end]})
	}
	return out
}

// directives returns the directives of a block with comments removed.
func directives(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, strings.TrimSuffix(line, ";"))
		}
	}
	return out
}

func readNginx(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNginxNeverCaches(t *testing.T) {
	conf := readNginx(t)
	byMatch := map[string]location{}
	for _, l := range locations(t, conf) {
		byMatch[l.match] = l
	}
	for _, p := range neverCached {
		l, ok := byMatch[p]
		if !ok {
			t.Errorf("nginx.conf has no `location %s` block", p)
			continue
		}
		d := directives(l.body)
		for _, want := range []string{"proxy_cache off", "proxy_no_cache 1", "proxy_cache_bypass 1"} {
			if !slices.Contains(d, want) {
				t.Errorf("location %s: missing %q", p, want)
			}
		}
		for _, x := range d {
			if strings.HasPrefix(x, "proxy_cache_valid") || strings.HasPrefix(x, "proxy_ignore_headers") ||
				strings.HasPrefix(x, "expires") || (strings.HasPrefix(x, "proxy_cache ") && x != "proxy_cache off") {
				t.Errorf("location %s caches: %q", p, x)
			}
		}
	}
	// Only the static files are stored, and nowhere does nginx keep an
	// answer longer than the portal's Cache-Control allows.
	for _, l := range locations(t, conf) {
		caches := false
		for _, x := range directives(l.body) {
			if strings.HasPrefix(x, "proxy_cache ") && x != "proxy_cache off" {
				caches = true
			}
			if strings.HasPrefix(x, "proxy_cache_valid") || strings.HasPrefix(x, "proxy_ignore_headers") {
				t.Errorf("location %s overrides the portal's Cache-Control: %q", l.match, x)
			}
		}
		if caches != slices.Contains(cachedLocations, l.match) {
			t.Errorf("location %s: caches %v, want only %q cached", l.match, caches, cachedLocations)
		}
	}
	for _, p := range []string{"= /", "/articles/"} {
		if _, ok := byMatch[p]; ok {
			t.Errorf("nginx.conf has a `location %s` block: the article belongs to `location /`, uncached", p)
		}
	}
	// The server-wide default is no cache, so a location added later is not
	// cached unless it says so.
	server := conf[strings.Index(conf, "server {"):]
	server = server[:regexp.MustCompile(`(?m)^\s*location\s`).FindStringIndex(server)[0]]
	if !regexp.MustCompile(`(?m)^\s*proxy_cache off;`).MatchString(server) {
		t.Error("nginx.conf: the server block does not default to `proxy_cache off`")
	}
	for _, want := range []string{
		"client_max_body_size 64k;",                      // BODY_LIMIT's default
		"proxy_set_header X-Forwarded-For $remote_addr;", // never the visitor's own header
		"proxy_set_header X-Forwarded-Proto $scheme;",
		"proxy_set_header X-Request-ID $intake_request_id;",
		"keepalive 32;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
}

// TestComposeMatchesNginx checks compose.yaml's intake services agree with
// each other and with nginx.conf.
func TestComposeMatchesNginx(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseYAML(string(b))
	if err != nil {
		t.Fatal(err)
	}
	services, _ := doc["services"].(map[string]any)
	if services == nil {
		t.Fatal("compose.yaml: no services")
	}
	env := func(svc string) map[string]any {
		s, _ := services[svc].(map[string]any)
		if s == nil {
			t.Fatalf("compose.yaml: no service %s", svc)
		}
		e, _ := s["environment"].(map[string]any)
		return e
	}
	for _, svc := range intakeServices {
		e := env(svc)
		for k, want := range map[string]string{"INTAKE_SECRET": secretRef, "DATABASE_URL": databaseURL, "SMTP_URL": smtpURL} {
			if got := e[k]; got != want {
				t.Errorf("%s: %s = %v, want %q (every intake service shares it)", svc, k, got, want)
			}
		}
		s := services[svc].(map[string]any)
		dep, _ := s["depends_on"].(map[string]any)
		pg, _ := dep["postgres"].(map[string]any)
		if pg["condition"] != "service_healthy" {
			t.Errorf("%s does not wait for PostgreSQL to be healthy", svc)
		}
	}
	for _, svc := range serveServices {
		e := env(svc)
		if e["MAIL_WORKERS"] != "0" {
			t.Errorf("%s: MAIL_WORKERS = %v, want 0 (the worker sends the emails)", svc, e["MAIL_WORKERS"])
		}
		if e["TRUSTED_PROXIES"] != trusted {
			t.Errorf("%s: TRUSTED_PROXIES = %v, want %s", svc, e["TRUSTED_PROXIES"], trusted)
		}
		if c := fmt.Sprint(services[svc].(map[string]any)["command"]); c != `["serve"]` {
			t.Errorf("%s: command %s, want [\"serve\"]", svc, c)
		}
	}
	if c := fmt.Sprint(services["worker"].(map[string]any)["command"]); c != `["worker"]` {
		t.Errorf("worker: command %s, want [\"worker\"]", c)
	}
	// `intake worker` refuses to start with MAIL_WORKERS=0.
	if w, ok := env("worker")["MAIL_WORKERS"]; ok && w == "0" {
		t.Error("worker: MAIL_WORKERS=0 would stop it at start; leave it at its default")
	}
	subnet := ""
	if n, ok := doc["networks"].(map[string]any); ok {
		if in, ok := n["intake"].(map[string]any); ok {
			if ipam, ok := in["ipam"].(map[string]any); ok {
				if cfg, ok := ipam["config"].([]any); ok && len(cfg) == 1 {
					if m, ok := cfg[0].(map[string]any); ok {
						subnet, _ = m["subnet"].(string)
					}
				}
			}
		}
	}
	if subnet != trusted {
		t.Errorf("compose.yaml: network subnet %q, want %s (TRUSTED_PROXIES names it)", subnet, trusted)
	}
	pg, _ := services["postgres"].(map[string]any)
	if pg["healthcheck"] == nil || !slices.Contains(anySlice(pg["volumes"]), "pgdata:/var/lib/postgresql/data") {
		t.Error("postgres: needs a healthcheck and the pgdata volume")
	}
	ng, _ := services["nginx"].(map[string]any)
	if !slices.Contains(anySlice(ng["volumes"]), nginxMount) {
		t.Errorf("nginx: volumes %v, want %q", ng["volumes"], nginxMount)
	}

	// Every upstream server in nginx.conf is a serve service, and every serve
	// service is an upstream server.
	var upstreams []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([a-z0-9-]+):8080\b`).FindAllStringSubmatch(readNginx(t), -1) {
		upstreams = append(upstreams, m[1])
		if !slices.Contains(serveServices, m[1]) {
			t.Errorf("nginx.conf upstream %s is not a serve service in compose.yaml", m[1])
		}
	}
	for _, svc := range serveServices {
		if !slices.Contains(upstreams, svc) {
			t.Errorf("serve service %s is missing from nginx.conf's upstream", svc)
		}
	}
}

func anySlice(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// parseYAML reads the block-style subset of YAML compose.yaml is written
// in: nested mappings, sequences ("- "), plain or quoted scalars, comments.
// A flow sequence such as ["serve"] stays a string. No library is needed
// for that, and the module adds no dependency for one test.
func parseYAML(src string) (map[string]any, error) {
	type line struct {
		indent int
		text   string
	}
	var lines []line
	for _, l := range strings.Split(src, "\n") {
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		lines = append(lines, line{len(l) - len(strings.TrimLeft(l, " ")), strings.TrimRight(l, " ")[len(l)-len(strings.TrimLeft(l, " ")):]})
	}
	i := 0
	var block func(indent int) (any, error)
	scalar := func(s string) any {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
			return s[1 : len(s)-1]
		}
		return s
	}
	// mapping reads "key: value" lines at this indent into m.
	mapping := func(m map[string]any, indent int) error {
		for i < len(lines) && lines[i].indent == indent && !strings.HasPrefix(lines[i].text, "- ") {
			k, v, ok := strings.Cut(lines[i].text, ":")
			if !ok {
				return fmt.Errorf("yaml: line %q has no key", lines[i].text)
			}
			i++
			if v = strings.TrimSpace(v); v != "" {
				m[k] = scalar(v)
				continue
			}
			if i < len(lines) && lines[i].indent > indent {
				child, err := block(lines[i].indent)
				if err != nil {
					return err
				}
				m[k] = child
			} else {
				m[k] = nil
			}
		}
		return nil
	}
	block = func(indent int) (any, error) {
		if !strings.HasPrefix(lines[i].text, "- ") {
			m := map[string]any{}
			return m, mapping(m, indent)
		}
		var seq []any
		for i < len(lines) && lines[i].indent == indent && strings.HasPrefix(lines[i].text, "- ") {
			item := strings.TrimPrefix(lines[i].text, "- ")
			k, v, isMap := strings.Cut(item, ": ")
			if !isMap || strings.HasPrefix(item, "\"") {
				seq = append(seq, scalar(item))
				i++
				continue
			}
			// "- key: value", maybe followed by more keys two columns in.
			m := map[string]any{k: scalar(v)}
			i++
			if err := mapping(m, indent+2); err != nil {
				return nil, err
			}
			seq = append(seq, m)
		}
		return seq, nil
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("yaml: empty")
	}
	doc, err := block(0)
	if err != nil {
		return nil, err
	}
	if i != len(lines) {
		return nil, fmt.Errorf("yaml: cannot read line %q", lines[i].text)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("yaml: top level is not a mapping")
	}
	return m, nil
}

// requestIDMap returns the regex and the two values of nginx.conf's map
// from the client's X-Request-ID to the id nginx logs and passes on.
func requestIDMap(t *testing.T, conf string) (re *regexp.Regexp, matched, otherwise string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)map \$http_x_request_id \$intake_request_id \{\n(.*?)\n\s*\}`).FindStringSubmatch(conf)
	if m == nil {
		t.Fatal("nginx.conf has no map from $http_x_request_id to $intake_request_id")
	}
	for _, d := range directives(m[1]) {
		key, value, _ := strings.Cut(d, " ")
		value = strings.TrimSpace(value)
		switch {
		case key == "default":
			otherwise = value
		case strings.HasPrefix(key, `"~`) && strings.HasSuffix(key, `"`):
			if re != nil {
				t.Fatalf("the request id map has more than one regex: %q", d)
			}
			re = regexp.MustCompile(key[2 : len(key)-1])
			matched = value
		default:
			t.Fatalf("the request id map has an entry the portal's rule does not explain: %q", d)
		}
	}
	if re == nil {
		t.Fatal("the request id map has no regex")
	}
	return re, matched, otherwise
}

// TestNginxKeepsRequestIDsAsThePortalDoes: nginx keeps a client's
// X-Request-ID exactly when the portal would (handlers.IsRequestID), and
// otherwise makes its own, so both logs name a request alike. The client
// sees the portal's X-Request-ID, not one nginx puts over it.
func TestNginxKeepsRequestIDsAsThePortalDoes(t *testing.T) {
	conf := readNginx(t)
	re, matched, otherwise := requestIDMap(t, conf)
	if matched != "$http_x_request_id" || otherwise != "$request_id" {
		t.Errorf("the request id map gives %s for a kept id and %s otherwise, want $http_x_request_id and $request_id", matched, otherwise)
	}
	for _, c := range []struct {
		id   string
		kept bool
	}{
		{"a", true},
		{"0123456789abcdef0123456789abcdef", true}, // nginx's own $request_id
		{"550e8400-e29b-41d4-a716-446655440000", true},
		{"Trace.Id_42-x", true},
		{"1a2b3c4d5e6f-17", true}, // one the portal makes
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"has space", false},
		{"line\nbreak", false},
		{"tab\tid", false},
		{`quote"id`, false},
		{"<b>id</b>", false},
		{"a,b", false},
		{"id;x", false},
		{"ünïcode", false},
	} {
		if got := handlers.IsRequestID(c.id); got != c.kept {
			t.Errorf("portal keeps %q: %v, want %v", c.id, got, c.kept)
		}
		if got := re.MatchString(c.id); got != c.kept {
			t.Errorf("nginx.conf's map keeps %q: %v, want %v", c.id, got, c.kept)
		}
	}

	// The portal's own header goes back to the client, except from the
	// cache, whose stored header belongs to an earlier request.
	for _, l := range locations(t, conf) {
		hides := slices.Contains(directives(l.body), "proxy_hide_header X-Request-ID")
		if hides != slices.Contains(cachedLocations, l.match) {
			t.Errorf("location %s: hides the portal's X-Request-ID %v, want only in cached locations", l.match, hides)
		}
	}
	server := conf[strings.Index(conf, "server {"):]
	server = server[:regexp.MustCompile(`(?m)^\s*location\s`).FindStringIndex(server)[0]]
	if d := directives(server); slices.Contains(d, "proxy_hide_header X-Request-ID") ||
		!slices.Contains(d, "add_header X-Request-ID $intake_response_id always") {
		t.Error("the server block must pass the portal's X-Request-ID through, adding nginx's only when the portal sent none")
	}
	if !strings.Contains(conf, "map $upstream_http_x_request_id $intake_response_id {") {
		t.Error("nginx.conf has no map from the portal's X-Request-ID to $intake_response_id")
	}
}
