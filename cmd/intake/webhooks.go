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

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/webhook"
)

const webhooksUsage = `Usage:
  intake webhooks add URL [--events EVENTS] [--kind standard|slack] [--description TEXT]
                                    add an endpoint; prints its id and, once, its signing secret
  intake webhooks list              list endpoints: state, kind, events, last delivery, failures
  intake webhooks disable ID        stop deliveries to an endpoint
  intake webhooks enable ID         resume deliveries to an endpoint
  intake webhooks rotate-secret ID  give an endpoint a new signing secret, printed once;
                                    the old one keeps signing deliveries for 24 hours
                                    (not for Slack endpoints: Slack checks no signature)

EVENTS is a comma-separated list of lead.created (the default), lead.updated,
lead.consent_withdrawn and lead.erased. A slack endpoint takes Slack's
incoming-webhook address (https://hooks.slack.com/services/...) and
lead.created only. Addresses must be https:// and public unless
WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.
`

// runWebhooks manages webhook endpoints from the command line.
func runWebhooks(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, webhooksUsage)
		return 2
	}
	switch args[0] {
	case "help", "--help", "-h":
		fmt.Fprint(stdout, webhooksUsage)
		return 0
	case "add", "list", "disable", "enable", "rotate-secret":
	default:
		fmt.Fprintf(stderr, "intake webhooks: unknown command %q\n\n%s", args[0], webhooksUsage)
		return 2
	}
	return withStore(getenv, stderr, func(ctx context.Context, cfg *Config, store *models.Store) int {
		rules := webhook.EndpointRules{AllowPrivate: cfg.WebhookAllowPrivate}
		return webhooksExit(webhooksCommand(ctx, store, rules, args, stdout), args[0], stderr)
	})
}

// webhooksExit reports a webhooks subcommand's error and gives its exit code.
func webhooksExit(err error, command string, stderr io.Writer) int {
	var usage usageError
	var fe webhook.FieldErrors
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "intake webhooks %s: %s\n\n%s", command, usage, webhooksUsage)
		return 2
	case errors.As(err, &fe):
		fmt.Fprintf(stderr, "intake webhooks %s: nothing was saved:\n%v\n", command, fe)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "intake webhooks %s: %v\n", command, err)
		return 1
	}
	return 0
}

// usageError is a mistake in how a subcommand was called, in words.
type usageError string

func (e usageError) Error() string { return string(e) }

func webhooksCommand(ctx context.Context, store *models.Store, rules webhook.EndpointRules, args []string, stdout io.Writer) error {
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("webhooks add", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		events := fs.String("events", webhook.LeadCreated, "")
		kind := fs.String("kind", models.WebhookStandard, "")
		description := fs.String("description", "", "")
		addr, rest := firstArg(args[1:])
		if err := fs.Parse(rest); err != nil {
			return usageError(err.Error())
		}
		switch {
		case addr == "":
			return usageError("give the receiver's URL")
		case fs.NArg() > 0:
			return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
		}
		e, secret, err := rules.Add(ctx, store, webhook.EndpointInput{
			URL: addr, Kind: *kind, Events: strings.Split(*events, ","), Description: *description,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added endpoint %d: %s (%s; %s)\n", e.ID, e.URL, e.Kind, strings.Join(e.EventList(), ", "))
		if !webhook.SignsDeliveries(e.Kind) {
			fmt.Fprintln(stdout, "Slack checks no signature, so there is no signing secret: the address is the secret. Keep it private.")
			return nil
		}
		fmt.Fprintf(stdout, "signing secret: %s\n", secret)
		fmt.Fprintln(stdout, "Keep it in the receiver's settings now: it will not be shown again (rotate-secret makes a new one).")
		return nil
	case "list":
		if len(args) != 1 {
			return usageError(fmt.Sprintf("unexpected argument %q", args[1]))
		}
		list, err := store.WebhookEndpoints(ctx)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no endpoints; add one with: intake webhooks add URL")
			return nil
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATE\tKIND\tEVENTS\tURL\tLAST DELIVERY\tFAILURES")
		for _, e := range list {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\n", e.ID, endpointState(&e), e.Kind, e.Events, e.URL, lastDelivery(&e), e.FailureStreak)
		}
		return w.Flush()
	}

	// disable, enable, rotate-secret: one endpoint by its id.
	if len(args) != 2 {
		return usageError("give the endpoint's id (intake webhooks list shows them)")
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || id <= 0 {
		return usageError(fmt.Sprintf("%q is not an endpoint id (intake webhooks list shows them)", args[1]))
	}
	e, err := store.WebhookEndpointByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no endpoint with id %d", id)
	}
	if err != nil {
		return err
	}
	switch args[0] {
	case "disable":
		if e.Disabled() {
			fmt.Fprintf(stdout, "endpoint %d was already disabled (%s)\n", id, e.DisabledReason)
			return nil
		}
		if err := store.DisableWebhookEndpoint(ctx, id, "Disabled from the command line.", time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled endpoint %d: no more deliveries go to %s\n", id, e.URL)
	case "enable":
		if err := store.EnableWebhookEndpoint(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "enabled endpoint %d: deliveries to %s resume\n", id, e.URL)
	default: // rotate-secret
		secret, err := webhook.RotateSecret(ctx, store, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing secret for endpoint %d: %s\n", id, secret)
		fmt.Fprintln(stdout, "It will not be shown again. The old secret keeps signing deliveries too for 24 hours: put the new one in the receiver's settings before then.")
	}
	return nil
}

// endpointState is an endpoint's state in a word.
func endpointState(e *models.WebhookEndpoint) string {
	if e.Disabled() {
		return "disabled"
	}
	return "active"
}

// lastDelivery is when the last delivery was tried and how it went.
func lastDelivery(e *models.WebhookEndpoint) string {
	if e.LastDeliveryAt == nil {
		return "never"
	}
	outcome := strconv.Itoa(e.LastStatus)
	if e.LastStatus == 0 {
		outcome = "no answer"
	}
	return e.LastDeliveryAt.UTC().Format("2006-01-02 15:04 UTC") + " " + outcome
}
