package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/export"
)

const exportUsage = `Usage: intake export --format csv|xlsx [filters] > FILE

Writes the contacts who opted in to marketing and have not withdrawn to
standard output, with the same columns as the workspace's download (see
docs/product.md); progress and a summary go to standard error. Settings come from
the environment, as for serve. Every export is recorded in the audit log
shown on the workspace's export page, as made by "cli".

  --format F       csv or xlsx (required)
  --from DAY       received on or after DAY (YYYY-MM-DD, UTC)
  --to DAY         received on or before DAY (YYYY-MM-DD, UTC)
  --band B         one band of the diagnostic, e.g. emerging
  --status S       one status: new, contacted, qualified, proposal, won, lost
  --campaign C     utm_campaign, matched exactly
  --source S       utm_source, matched exactly
  --all-contacts   everyone, also contacts without marketing consent:
                   never for marketing email
  --excel          CSV only: start with a UTF-8 byte-order mark for Excel
`

// runExport is `intake export`: it returns the exit code, 2 for a bad call.
func runExport(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// The arguments are checked against the diagnostic in use before the
	// other settings are read.
	def, err := loadDiagnostic(getenv("INTAKE_CONTENT_DIR"))
	if err != nil {
		fmt.Fprintf(stderr, "intake export: %v\n", err)
		return 1
	}
	format, req, problems, help := parseExportArgs(args, def)
	if help {
		fmt.Fprint(stdout, exportUsage)
		return 0
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stderr, "intake export: %s\n", p)
		}
		fmt.Fprint(stderr, "\n"+exportUsage)
		return 2
	}
	if f, ok := stdout.(*os.File); ok && format == export.XLSX && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "intake export: an XLSX file is binary: send it to a file, e.g. intake export --format xlsx > contacts.xlsx\n")
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "intake: invalid settings:\n%v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := exportContacts(ctx, cfg, def, req, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "intake export: %v\n", err)
		return 1
	}
	return 0
}

// parseExportArgs reads the flags into a request through the same checks
// as the workspace's export page, so both refuse the same values.
func parseExportArgs(args []string, def *diagnostic.Definition) (export.Format, export.Request, []string, bool) {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we print one clear message ourselves
	format := fs.String("format", "", "")
	all := fs.Bool("all-contacts", false, "")
	excel := fs.Bool("excel", false, "")
	q := url.Values{}
	for _, name := range []string{"from", "to", "band", "status", "campaign", "source"} {
		fs.Func(name, "", func(v string) error { q.Set(name, v); return nil })
	}
	var problems []string
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return "", export.Request{}, nil, true
	case err != nil:
		return "", export.Request{}, []string{err.Error()}, false
	case fs.NArg() > 0:
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	f := export.Format(*format)
	switch {
	case f != export.CSV && f != export.XLSX:
		problems = append(problems, "--format must be csv or xlsx")
	case *excel && f != export.CSV:
		problems = append(problems, "--excel only applies to --format csv")
	}
	if *all {
		q.Set("contacts", "all")
	}
	filter, refused := export.ParseFilter(q, def)
	for _, p := range refused {
		problems = append(problems, p.Message)
	}
	return f, export.Request{Format: f, ExcelBOM: *excel, Filter: filter, Actor: "cli"}, problems, false
}

// exportContacts opens and migrates the database as serve would, then
// writes the export to stdout, reporting progress every 10% on stderr.
func exportContacts(ctx context.Context, cfg *Config, def *diagnostic.Definition, req export.Request, stdout, stderr io.Writer) error {
	store, err := openStore(ctx, cfg, 2, quietLog())
	if err != nil {
		return err
	}
	defer store.Close()
	total, err := store.CountExport(ctx, req.Filter)
	if err != nil {
		return err
	}
	if req.Format == export.XLSX && total > export.MaxXLSXContacts {
		return export.ErrTooManyForXLSX
	}
	who := "contacts who opted in to marketing"
	if req.Filter.AllContacts {
		who = "contacts, consented or not"
	}
	fmt.Fprintf(stderr, "export: %d %s match; writing %s\n", total, who, req.Format)
	next := int64(10)
	req.AfterChunk = func(rows int64) error {
		if total > 0 && rows*100/total >= next {
			fmt.Fprintf(stderr, "export: %d%% (%d of %d)\n", rows*100/total, rows, total)
			next = rows*100/total/10*10 + 10
		}
		return nil
	}
	start := time.Now()
	out := bufio.NewWriterSize(stdout, 64<<10)
	n, err := export.Write(ctx, store, def, out, req)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("after %d contacts: %w", n, err)
	}
	fmt.Fprintf(stderr, "export: wrote %d contacts as %s in %v; recorded in the export log\n", n, req.Format, time.Since(start).Round(time.Millisecond))
	return nil
}
