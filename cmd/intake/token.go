package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/stellapop/intake/models"
)

const tokenUsage = `Usage:
  intake token add EMAIL --scope SCOPE [--scope SCOPE …] [--expires 30d] [--name NAME]
                   make an API token for a user and print it, once
                   (scopes: leads:read, leads:write, contacts:read;
                   expires: 1 to 365 days, 90 by default)
  intake token list [EMAIL]
                   list tokens (one user's, or everyone's): id, user, name,
                   scopes, expiry, last use and state; never the token
  intake token revoke ID
                   revoke a token at once (its id from the list)

A token is stored only as a hash: copy it when it is made. Users also list
and revoke their tokens at /admin/tokens.
`

// runToken makes API tokens from the command line, for operators.
func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	return withStore(getenv, stderr, func(ctx context.Context, _ *Config, store *models.Store) int {
		return exitCode(tokenCommand(ctx, store, args, stdout), "token "+args[0], tokenUsage, stderr)
	})
}

// scopeFlags collects each --scope; a comma-separated list works too.
type scopeFlags []string

func (s *scopeFlags) String() string { return strings.Join(*s, ",") }
func (s *scopeFlags) Set(v string) error {
	*s = append(*s, strings.Split(v, ",")...)
	return nil
}

func tokenCommand(ctx context.Context, store *models.Store, args []string, stdout io.Writer) error {
	switch args[0] {
	case "add":
		return addToken(ctx, store, args[1:], stdout)
	case "list":
		return listTokens(ctx, store, args[1:], stdout)
	case "revoke":
		return revokeToken(ctx, store, args[1:], stdout)
	}
	return errUsage
}

// userByEmail finds a user for a subcommand, saying so when there is none.
func userByEmail(ctx context.Context, store *models.Store, email string) (*models.User, error) {
	u, err := store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("no user with email %s", email)
	}
	return u, err
}

// listTokens prints every token, or one user's, newest first.
func listTokens(ctx context.Context, store *models.Store, args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return errUsage
	}
	var userID int64
	if len(args) == 1 {
		u, err := userByEmail(ctx, store, args[0])
		if err != nil {
			return err
		}
		userID = u.ID
	}
	tokens, err := store.APITokens(ctx, userID)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tNAME\tSCOPES\tEXPIRES\tLAST USED\tSTATE")
	for _, t := range tokens {
		user, lastUsed := "", "never"
		if t.User != nil {
			user = t.User.Email
		}
		if t.LastUsedAt != nil {
			lastUsed = t.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.UTC().Format("2006-01-02")
		case !now.Before(t.ExpiresAt):
			state = "expired"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, user, oneLine(t.Name), strings.ReplaceAll(t.Scopes, ",", " "),
			t.ExpiresAt.UTC().Format("2006-01-02"), lastUsed, state)
	}
	return w.Flush()
}

// oneLine keeps a name a user typed on its row of the table.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")
}

// revokeToken revokes one token by its id.
func revokeToken(ctx context.Context, store *models.Store, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errUsage
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%q is not a token id: `intake token list` shows them", args[0])
	}
	if err := store.RevokeAPIToken(ctx, id, 0); errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no token with id %d", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked token %d; it no longer opens the API\n", id)
	return nil
}

// addToken makes a token for a user and prints it, once.
func addToken(ctx context.Context, store *models.Store, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var scopes scopeFlags
	fs.Var(&scopes, "scope", "")
	expires := fs.String("expires", "", "")
	name := fs.String("name", "", "")
	email, rest := firstArg(args)
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
	u, err := userByEmail(ctx, store, email)
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
