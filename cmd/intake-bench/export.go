package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"time"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/diagnostic"
)

func init() { register(50, "export", benchExport) }

// benchExport downloads every seeded contact as CSV from the portal,
// signed in as an admin, against psql's \copy of the same columns, filter
// and order as CSV; then the portal's peak memory for exports of about
// 10k, 100k and all the leads, each in a portal of its own, from the
// moment before the download.
func benchExport(ctx context.Context, e *env) ([]row, error) {
	debug.FreeOSMemory()
	d, err := e.seededLeads(ctx)
	if err != nil {
		return nil, err
	}
	psql, err := e.need(ctx, "psql", "postgresql-client")
	if err != nil {
		return nil, err
	}
	def, err := diagnostic.Parse(content.DiagnosticJSON)
	if err != nil {
		return nil, err
	}
	p, _, err := e.startPortal(ctx, d.url, loadTest)
	if err != nil {
		return nil, err
	}
	client, err := d.signIn(p, "admin")
	if err != nil {
		p.stop()
		return nil, err
	}
	var portalRows, refRows int64
	portal := func() (float64, error) {
		start := time.Now()
		n, _, err := download(ctx, client, p.base+"/admin/export.csv?contacts=all")
		portalRows = n
		return float64(n) / time.Since(start).Seconds(), err
	}
	query := referenceExportSQL(def)
	reference := func() (float64, error) {
		start := time.Now()
		n, err := psqlCopyRows(ctx, psql, d.url, query)
		refRows = n
		return float64(n) / time.Since(start).Seconds(), err
	}
	c, err := alternate(ctx, e.rounds, portal, reference)
	p.stop()
	if err != nil {
		return nil, err
	}
	if portalRows != refRows {
		return nil, fmt.Errorf("the portal exported %d rows, psql %d", portalRows, refRows)
	}
	rows := []row{{
		Job: fmt.Sprintf("CSV export of %s leads over HTTP (admin, all contacts)", thousands(float64(portalRows))), Limit: `psql \copy (SELECT …) TO STDOUT CSV`,
		Portal: thousands(c.portal) + " rows/s", Reference: thousands(c.reference) + " rows/s", Ratio: c.String(), Target: "≥ 0.7×", Pass: c.atLeast(0.7),
	}}

	// Peak memory: a fresh portal per size, so each peak is that export's.
	// Leads are spread evenly over the last 365 days, so a date range picks
	// about as many as wanted.
	sizes := []int{10_000, 100_000, d.leads}
	if e.smoke {
		sizes = []int{d.leads / 100, d.leads / 10, d.leads}
	}
	var peaks []float64
	for _, size := range sizes {
		q := "?contacts=all"
		if size < d.leads {
			days := max(1, (365*size+d.leads/2)/d.leads)
			q += "&from=" + time.Now().UTC().AddDate(0, 0, -days+1).Format(time.DateOnly)
		}
		p, _, err := e.startPortal(ctx, d.url, loadTest)
		if err != nil {
			return nil, err
		}
		c, err := d.signIn(p, "admin")
		if err != nil {
			p.stop()
			return nil, err
		}
		time.Sleep(time.Second)
		idle, _, err := p.memory()
		if err == nil {
			err = resetPeak(p)
		}
		if err != nil {
			p.stop()
			return nil, err
		}
		n, _, err := download(ctx, c, p.base+"/admin/export.csv"+q)
		_, peak, merr := p.memory()
		p.stop()
		if err != nil || merr != nil {
			return nil, fmt.Errorf("export of %d: %v %v", size, err, merr)
		}
		e.log.Printf("export: %s rows, idle %.1f MiB, peak %.1f MiB", thousands(float64(n)), mib(idle), mib(peak))
		peaks = append(peaks, float64(peak))
		rows = append(rows, row{
			Job:    fmt.Sprintf("CSV export of %s rows: peak memory (VmHWM)", thousands(float64(n))),
			Portal: fmt.Sprintf("%.1f MiB (idle %.1f, +%.1f)", mib(peak), mib(idle), mib(peak-idle)),
			Target: "≤ 64 MiB", Pass: peak <= 64<<20,
		})
	}
	growth := peaks[len(peaks)-1] - peaks[0]
	rows = append(rows, row{
		Job:    fmt.Sprintf("export memory, %s rows vs %s", thousands(float64(sizes[len(sizes)-1])), thousands(float64(sizes[0]))),
		Portal: fmt.Sprintf("%+.1f MiB", growth/(1<<20)), Target: "flat (≤ 8 MiB more)", Pass: growth <= 8<<20,
	})
	return measuredWith(loadTest, rows), nil
}

// psqlCopyRows runs psql's \copy of query as CSV with a header, reading
// it as fast as it comes, and returns its rows.
func psqlCopyRows(ctx context.Context, psql, dbURL, query string) (int64, error) {
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbURL, "-c", `\copy (`+query+`) TO STDOUT CSV HEADER`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	lines, _, _ := countLines(out)
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("psql: %v: %s", err, stderr.String())
	}
	return lines - 1, nil
}

// resetPeak sets the portal's VmHWM back to its RSS now, so that the peak
// read later is the export's, not the start's.
func resetPeak(p *portal) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// download GETs url and returns the CSV's rows (lines less the header)
// and its bytes, reading as fast as it comes.
func download(ctx context.Context, c *http.Client, url string) (rows, size int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: HTTP %d", url, res.StatusCode)
	}
	lines, size, err := countLines(res.Body)
	return lines - 1, size, err
}

// countLines reads r to the end and counts its newlines and bytes.
func countLines(r io.Reader) (lines, size int64, err error) {
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		size += int64(n)
		if err == io.EOF {
			return lines, size, nil
		}
		if err != nil {
			return lines, size, err
		}
	}
}

// referenceExportSQL is the export's query as psql runs it: the same
// columns (scores pivoted, times in RFC 3339), joins, filter (all
// contacts not erased) and order, with the database writing the CSV.
func referenceExportSQL(def *diagnostic.Definition) string {
	var b strings.Builder
	b.WriteString("SELECT l.id, l.email, l.name, l.company, l.role, l.team_size, l.band, l.overall_index")
	for i := range def.Dimensions {
		fmt.Fprintf(&b, ", sc.s%d", i)
	}
	b.WriteString(`, to_char(mc.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), mc.wording_version,` +
		` l.landing_page, l.referrer, l.utm_source, l.utm_medium, l.utm_campaign, l.utm_term, l.utm_content, l.status, u.email,` +
		` to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), l.team_invited, l.team_answers` +
		` FROM leads l LEFT JOIN users u ON u.id = l.owner_id` +
		` LEFT JOIN lead_consents mc ON mc.lead_id = l.id AND mc.purpose = 'marketing' AND mc.granted AND mc.withdrawn_at IS NULL` +
		` LEFT JOIN LATERAL (SELECT `)
	for i, d := range def.Dimensions {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "MAX(score) FILTER (WHERE dimension = '%s') AS s%d", strings.ReplaceAll(d.ID, "'", "''"), i)
	}
	b.WriteString(" FROM lead_scores WHERE lead_scores.lead_id = l.id) sc ON true WHERE l.erased_at IS NULL ORDER BY l.id")
	return b.String()
}
