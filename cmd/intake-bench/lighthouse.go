package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// lighthouseVersion is the Lighthouse the pages are scored with; .ci/deps.sh
// installs the same one into .cache/npm.
const lighthouseVersion = "12.2.3"

// submitDiagnostic fills in the diagnostic as a visitor without JavaScript
// would and returns the path of the result it leads to.
func submitDiagnostic(base string) (string, error) {
	loc, _, err := timedSubmission(base)
	return loc, err
}

// timedSubmission is submitDiagnostic, also returning how long the POST
// took: the visitor's submission, from sending the form to the redirect.
func timedSubmission(base string) (string, time.Duration, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/diagnostic")
	if err != nil {
		return "", 0, err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return "", 0, err
	}
	form := url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "company": {"Analytical Engines"},
		"role": {"Head of Operations"}, "consent_summary": {"yes"}}
	for _, m := range regexp.MustCompile(`type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllSubmatch(page, -1) {
		form.Set(string(m[1]), htmlUnescape(string(m[2])))
	}
	for i := 1; i <= 12; i++ {
		form.Set(fmt.Sprintf("a.q%d", i), strconv.Itoa(1+i%5))
	}
	start := time.Now()
	res, err = client.PostForm(base+"/diagnostic", form)
	if err != nil {
		return "", 0, err
	}
	res.Body.Close()
	took := time.Since(start)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/results/") {
		return "", 0, fmt.Errorf("POST /diagnostic = %d (Location %q), want 303 to a result", res.StatusCode, loc)
	}
	return loc, took, nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// staticRef finds what a page loads from the site: stylesheets, scripts,
// icons and images.
var staticRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// pageWeight is the uncompressed size of a page and of everything it
// loads from /static, and a description of the parts.
func pageWeight(base, path string) (int, string, error) {
	page, _, err := fetch(base+path, "")
	if err != nil {
		return 0, "", err
	}
	total := len(page)
	parts := []string{fmt.Sprintf("HTML %.1f KB", float64(len(page))/1000)}
	seen := map[string]bool{}
	for _, m := range staticRef.FindAllSubmatch(page, -1) {
		ref := htmlUnescape(string(m[1]))
		if seen[ref] {
			continue
		}
		seen[ref] = true
		b, _, err := fetch(base+ref, "")
		if err != nil {
			return 0, "", err
		}
		total += len(b)
		name, _, _ := strings.Cut(strings.TrimPrefix(ref, "/static/"), "?")
		parts = append(parts, fmt.Sprintf("%s %.1f KB", name, float64(len(b))/1000))
	}
	return total, strings.Join(parts, " + "), nil
}

// needLighthouse returns the Lighthouse command, installing it into
// .cache/npm as .ci/deps.sh does when it is missing or another version.
func (e *env) needLighthouse(ctx context.Context) (string, error) {
	if _, err := e.need(ctx, "node", "nodejs"); err != nil {
		return "", err
	}
	prefix := filepath.Join(e.root, ".cache", "npm")
	cli := filepath.Join(prefix, "node_modules", "lighthouse", "cli", "index.js")
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(prefix, "node_modules", "lighthouse", "package.json")); err == nil {
		_ = json.Unmarshal(b, &pkg)
	}
	if pkg.Version == lighthouseVersion {
		return cli, nil
	}
	if _, err := e.need(ctx, "npm", "npm"); err != nil {
		return "", err
	}
	e.log.Printf("installing lighthouse %s into %s", lighthouseVersion, prefix)
	cmd := exec.CommandContext(ctx, "npm", "install", "--silent", "--no-audit", "--no-fund", "--save-exact", "--prefix", prefix, "lighthouse@"+lighthouseVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install lighthouse: %v\n%s", err, out)
	}
	return cli, nil
}

var lighthouseCategories = []string{"performance", "accessibility", "best-practices", "seo"}

// chromeFlags keep Chromium quiet and headless: no network of its own, no
// updates, no sandbox (the benchmark may run as root).
const chromeFlags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"

// runLighthouse scores one page with the mobile form factor (Lighthouse's
// default) and returns each category's score out of 100.
func runLighthouse(ctx context.Context, e *env, cli, u string, skip []string) (map[string]int, error) {
	out, err := os.CreateTemp(e.work, "lighthouse-*.json")
	if err != nil {
		return nil, err
	}
	out.Close()
	args := []string{cli, u, "--quiet", "--output=json", "--output-path=" + out.Name(),
		"--only-categories=" + strings.Join(lighthouseCategories, ","), "--chrome-flags=" + chromeFlags}
	if len(skip) > 0 {
		args = append(args, "--skip-audits="+strings.Join(skip, ","))
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH=/usr/bin/chromium")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("lighthouse %s: %v\n%s", u, err, msg)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, err
	}
	var report struct {
		RuntimeError *struct{ Code, Message string }
		Categories   map[string]struct {
			Score *float64
		}
		Audits map[string]struct {
			Title string
			Score *float64
		}
	}
	if err := json.Unmarshal(b, &report); err != nil {
		return nil, fmt.Errorf("lighthouse %s: %v", u, err)
	}
	if report.RuntimeError != nil && report.RuntimeError.Code != "" {
		return nil, fmt.Errorf("lighthouse %s: %s: %s", u, report.RuntimeError.Code, report.RuntimeError.Message)
	}
	scores := map[string]int{}
	for _, c := range lighthouseCategories {
		s := report.Categories[c].Score
		if s == nil {
			return nil, fmt.Errorf("lighthouse %s: no %s score", u, c)
		}
		scores[c] = int(*s*100 + 0.5)
	}
	// Name what keeps a score down, so a miss says what to fix.
	for id, a := range report.Audits {
		if a.Score != nil && *a.Score < 0.9 {
			e.log.Printf("lighthouse %s: %s (%s) scores %.2f", u, id, a.Title, *a.Score)
		}
	}
	return scores, nil
}
