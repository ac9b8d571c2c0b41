package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/stellapop/intake/models"
)

const userUsage = `Usage:
  intake user add EMAIL --role ROLE [--name NAME]   add a user (roles: admin, consultant, marketing)
  intake user list                                  list users
  intake user passwd EMAIL                          set a new password (ends the user's sessions)
  intake user disable EMAIL                         stop a user signing in (ends their sessions)
  intake user enable EMAIL                          let a disabled user sign in again

Passwords (12 to 128 characters) are read from standard input: typed twice
without echo on a terminal, or the first line of piped input.
`

// runUser manages workspace users from the command line.
func runUser(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return 2
	}
	return withStore(getenv, stderr, func(ctx context.Context, _ *Config, store *models.Store) int {
		return exitCode(userCommand(ctx, store, args, stdin, stdout, stderr), "user "+args[0], userUsage, stderr)
	})
}

// withStore loads the settings, opens and migrates the store as serve
// would, and runs fn with it: the start of every subcommand that works on
// the database. Invalid settings exit 2, a store that will not open 1.
func withStore(getenv func(string) string, stderr io.Writer, fn func(ctx context.Context, cfg *Config, store *models.Store) int) int {
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "intake: invalid settings:\n%v\n", err)
		return 2
	}
	ctx := context.Background()
	store, err := openStore(ctx, cfg, 2, quietLog())
	if err != nil {
		fmt.Fprintf(stderr, "intake: %v\n", err)
		return 1
	}
	defer store.Close()
	return fn(ctx, cfg, store)
}

// exitCode reports a subcommand's error on stderr and gives its exit
// code: errUsage prints usage (2), any other error its message (1).
func exitCode(err error, command, usage string, stderr io.Writer) int {
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "intake %s: %v\n", command, err)
		return 1
	}
	return 0
}

func userCommand(ctx context.Context, store *models.Store, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch args[0] {
	case "list":
		users, err := store.ListUsers(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "EMAIL\tNAME\tROLE\tSTATE\tCREATED")
		for _, u := range users {
			state := "active"
			if u.Disabled() {
				state = "disabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, state, u.CreatedAt.Format("2006-01-02"))
		}
		return w.Flush()
	case "add":
		fs := flag.NewFlagSet("user add", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		role := fs.String("role", "", "")
		name := fs.String("name", "", "")
		email, rest := firstArg(args[1:])
		if err := fs.Parse(rest); err != nil || email == "" || fs.NArg() > 0 {
			return errUsage
		}
		if !models.ValidRole(*role) {
			return fmt.Errorf("--role must be one of %s", strings.Join(models.Roles, ", "))
		}
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		u, err := store.CreateUser(ctx, email, *name, *role, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, u.Role)
		return nil
	case "passwd", "disable", "enable":
		if len(args) != 2 {
			return errUsage
		}
		u, err := store.UserByEmail(ctx, args[1])
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no user with email %s", args[1])
		}
		if err != nil {
			return err
		}
		switch args[0] {
		case "passwd":
			pw, err := readPassword(stdin, stderr)
			if err != nil {
				return err
			}
			err = store.SetPassword(ctx, u.ID, pw)
			if err == nil {
				fmt.Fprintf(stdout, "password changed for %s; their sessions have ended\n", u.Email)
			}
			return err
		case "disable":
			err = store.SetUserDisabled(ctx, u.ID, true)
			if err == nil {
				fmt.Fprintf(stdout, "disabled %s; their sessions have ended\n", u.Email)
			}
			return err
		default:
			err = store.SetUserDisabled(ctx, u.ID, false)
			if err == nil {
				fmt.Fprintf(stdout, "enabled %s\n", u.Email)
			}
			return err
		}
	}
	return errUsage
}

// firstArg splits off a leading positional argument, so flags may follow it.
func firstArg(args []string) (string, []string) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", args
	}
	return args[0], args[1:]
}

// readPassword asks twice without echo on a terminal, or reads the first
// line of piped input.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password (12 to 128 characters): ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Same password again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
