package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/stellapop/intake/models"
)

const tokenUsage = `Usage:
  intake token add EMAIL --scope SCOPE [--scope SCOPE …] [--expires 30d] [--name NAME]
                   make an API token for a user and print it, once
                   (scopes: leads:read, leads:write, contacts:read;
                   expires: 1 to 365 days, 90 by default)

The token is stored only as a hash: copy it now. Users list and revoke their
tokens at /admin/tokens.
`

// runToken makes API tokens from the command line, for operators.
func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
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
	err = tokenCommand(ctx, store, args, stdout)
	if errors.Is(err, errUsage) {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "intake token %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// scopeFlags collects each --scope; a comma-separated list works too.
type scopeFlags []string

func (s *scopeFlags) String() string { return strings.Join(*s, ",") }
func (s *scopeFlags) Set(v string) error {
	*s = append(*s, strings.Split(v, ",")...)
	return nil
}

func tokenCommand(ctx context.Context, store *models.Store, args []string, stdout io.Writer) error {
	if args[0] != "add" {
		return errUsage
	}
	fs := flag.NewFlagSet("token add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var scopes scopeFlags
	fs.Var(&scopes, "scope", "")
	expires := fs.String("expires", "", "")
	name := fs.String("name", "", "")
	email, rest := firstArg(args[1:])
	if err := fs.Parse(rest); err != nil || email == "" || fs.NArg() > 0 {
		return errUsage
	}
	if len(scopes) == 0 {
		return fmt.Errorf("--scope is needed: some of %s", strings.Join(models.Scopes, ", "))
	}
	life, err := models.ParseTokenLife(*expires)
	if err != nil {
		return fmt.Errorf("--expires: %w", err)
	}
	u, err := store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no user with email %s", email)
	}
	if err != nil {
		return err
	}
	t, secret, err := store.CreateAPIToken(ctx, u.ID, *name, scopes, life)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintf(stdout, "# for %s (%s), scopes %s, expires %s; shown only this once\n",
		u.Email, u.Role, strings.ReplaceAll(t.Scopes, ",", " "), t.ExpiresAt.Format("2006-01-02"))
	return nil
}
