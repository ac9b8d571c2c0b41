// Command intake runs StellaPop's lead-capture portal: the article, the
// "Is your manager leading?" diagnostic, and the leads it produces.
//
//	intake [serve]   run the web server (the default)
//	intake worker    send queued emails without serving the site
//	intake migrate   apply database migrations and exit
//	intake user …    manage workspace users
//	intake token …   make API tokens
//	intake webhooks … manage webhook endpoints
//	intake seed …    fill the database with made-up leads
//	intake stats rebuild  recompute the reports' summary tables
//	intake version   print the version
//	intake help      print the commands and every setting
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/stellapop/intake/logbuf"
	"github.com/stellapop/intake/logline"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	tuneGC(os.Getenv)
	os.Exit(runWithInput(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks a mistake in how the command was called.
var errUsage = errors.New("usage")

const usage = `Usage: intake [command]

Commands:
  serve     run the web server and send queued emails (default)
  worker    send queued emails without serving the site
  migrate   apply database migrations and exit
  user      manage workspace users: add, list, passwd, disable, enable
  token     make an API token: token add EMAIL --scope leads:read [--expires 30d]
  webhooks  manage webhook endpoints: add, list, disable, enable, rotate-secret
  export    write consented contacts as CSV or XLSX to standard output
  retention anonymise leads older than RETENTION_DAYS (--dry-run to preview)
  seed      fill the database with made-up leads: seed --leads N [--seed S]
  stats     stats rebuild: recompute the summary tables the reports read
  version   print the version and exit
  help      print this, and every setting with its default and meaning
            (help --markdown: the same as docs/configuration.md)

Settings come from the environment: "intake help" lists them.
`

// run is main without the process: it returns the exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWithInput(args, getenv, strings.NewReader(""), stdout, stderr)
}

// runWithInput is run with a standard input, for commands that read one.
func runWithInput(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "intake", buildVersion())
		return 0
	case "help", "--help", "-h":
		switch {
		case len(args) == 1:
			printHelp(stdout)
		case len(args) == 2 && args[1] == "--markdown":
			printConfigurationDoc(stdout)
		default:
			fmt.Fprintf(stderr, "intake help: unexpected argument %q\n\n%s", args[1], usage)
			return 2
		}
		return 0
	case "export":
		return runExport(args[1:], getenv, stdout, stderr)
	case "retention":
		return runRetention(args[1:], getenv, stdout, stderr)
	case "user":
		return runUser(args[1:], getenv, stdin, stdout, stderr)
	case "token":
		return runToken(args[1:], getenv, stdout, stderr)
	case "webhooks":
		return runWebhooks(args[1:], getenv, stdout, stderr)
	case "seed":
		return runSeed(args[1:], getenv, stdout, stderr)
	case "stats":
		return runStats(args[1:], getenv, stdout, stderr)
	case "serve", "migrate", "worker":
	default:
		fmt.Fprintf(stderr, "intake: unknown command %q\n\n%s", cmd, usage)
		return 2
	}

	return withConfig(cmd, getenv, stderr, func(ctx context.Context, cfg *Config, log *slog.Logger) error {
		return runCommand(ctx, cmd, cfg, log)
	})
}

// withConfig loads the settings, then runs fn until it returns or SIGINT
// or SIGTERM asks it to stop, and turns the outcome into an exit code:
// 2 for invalid settings, 1 for a failure (logged), 0 otherwise.
func withConfig(name string, getenv func(string) string, stderr io.Writer, fn func(ctx context.Context, cfg *Config, log *slog.Logger) error) int {
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "intake: invalid settings:\n%v\n", err)
		return 2
	}
	log, closeLog := newLogger(cfg, stderr)
	// Runs last, after the failure below is logged: no line is left in
	// memory when the process exits, whether it stops on SIGTERM or fails.
	defer closeLog()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fn(ctx, cfg, log); err != nil {
		log.Error(name+" failed", slog.Any("error", err))
		return 1
	}
	return 0
}

func runCommand(ctx context.Context, cmd string, cfg *Config, log *slog.Logger) error {
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	switch cmd {
	case "migrate":
		log.Info("database is up to date", slog.String("database", a.store.Dialect()))
		return a.store.Close()
	case "worker":
		if cfg.MailWorkers == 0 {
			a.store.Close()
			return errors.New("MAIL_WORKERS=0: a worker with no workers would send nothing")
		}
		return a.work(ctx)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.store.Close()
		return fmt.Errorf("listen on INTAKE_ADDR %s: %w", cfg.Addr, err)
	}
	return a.run(ctx, ln)
}

// newLogger returns the logger the settings ask for, writing to w, and a
// function that writes out every line it still holds and must run before
// the process exits. Lines wait in memory up to LOG_FLUSH_INTERVAL, so
// that logging a request costs a copy rather than a system call under a
// lock every request shares; warnings and errors go out at once.
func newLogger(cfg *Config, w io.Writer) (*slog.Logger, func() error) {
	closeLog := func() error { return nil }
	var buf *logbuf.Writer
	if cfg.LogFlush > 0 {
		buf = logbuf.New(w, logbuf.DefaultSize, cfg.LogFlush)
		w, closeLog = buf, buf.Close
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// The same lines, the simple ones (each request's) written by hand.
	h = logline.New(w, cfg.LogFormat == "json", h)
	if buf != nil {
		h = logbuf.FlushAt(h, buf, slog.LevelWarn)
	}
	return slog.New(h), closeLog
}

// buildVersion is the version stamped at build time, or the VCS revision.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

// parseFlags parses a subcommand's flags, which take no positional
// arguments. It reports whether help was asked for, or what is wrong.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, problem string) {
	fs.SetOutput(io.Discard) // the command prints one clear message itself
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return true, ""
	case err != nil:
		return false, err.Error()
	case fs.NArg() > 0:
		return false, fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	}
	return false, ""
}
