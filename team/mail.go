package team

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/jobs"
	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

// InviteArgs is a queued invitation email. It carries the invitation's id
// only: the address waits in the invitation's outbox row, which the worker
// deletes once the email is sent, so the queue never keeps it.
type InviteArgs struct {
	InvitationID int64 `json:"invitation_id"`
}

// Kind names the job type in the queue.
func (InviteArgs) Kind() string { return "team_invite" }

// InsertOpts sends invitations on the email queue with its retries.
func (InviteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: mail.QueueName, MaxAttempts: 20}
}

// UnlockedArgs is the inviter's "your team view is ready" email.
type UnlockedArgs struct {
	LeadID int64 `json:"lead_id"`
}

// Kind names the job type in the queue.
func (UnlockedArgs) Kind() string { return "team_unlocked" }

// InsertOpts sends it on the email queue with its retries.
func (UnlockedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: mail.QueueName, MaxAttempts: 20}
}

// Enqueuer queues the team's emails inside the transaction that causes them.
type Enqueuer struct{ Queue *jobs.Queue }

// EnqueueInvites queues one email per new invitation; it is a models.InviteHook.
func (e Enqueuer) EnqueueInvites(ctx context.Context, tx models.Tx, ids []int64) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: InviteArgs{InvitationID: id}}
	}
	if err := e.Queue.Insert(ctx, tx, params...); err != nil {
		return fmt.Errorf("queue invitations: %w", err)
	}
	return nil
}

// EnqueueUnlocked queues the inviter's email and the consulting team's;
// it is a models.UnlockHook.
func (e Enqueuer) EnqueueUnlocked(ctx context.Context, tx models.Tx, leadID int64) error {
	err := e.Queue.Insert(ctx, tx, river.InsertManyParams{Args: UnlockedArgs{LeadID: leadID}},
		river.InsertManyParams{Args: FirmUnlockedArgs{LeadID: leadID}})
	if err != nil {
		return fmt.Errorf("queue team unlocked: %w", err)
	}
	return nil
}

// MailConfig is what the team's emails need.
type MailConfig struct {
	BaseURL   *url.URL // absolute, without a trailing slash
	From      *netmail.Address
	Transport mail.Transport
	// Questions is how many questions the diagnostic asks, to say how
	// long answering takes.
	Questions int
	// Diagnostic and Firm are for the consulting team's email: the
	// definition the team's figures are pooled on, and the addresses of
	// TEAM_EMAIL.
	Diagnostic *diagnostic.Definition
	Firm       []*netmail.Address
	Log        *slog.Logger
}

// AddWorkers registers the invitation and unlock email workers.
func AddWorkers(workers *river.Workers, store *models.Store, cfg MailConfig) error {
	if cfg.BaseURL == nil || cfg.From == nil || cfg.Transport == nil || cfg.Diagnostic == nil || len(cfg.Firm) == 0 {
		return errors.New("team: the email workers need a base URL, a sender, a transport, the diagnostic and the consulting team's address")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	t, err := parseTemplates()
	if err != nil {
		return err
	}
	s := &sender{store: store, cfg: cfg, tmpl: t}
	if err := river.AddWorkerSafely(workers, &inviteWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(workers, &unlockedWorker{s: s}); err != nil {
		return err
	}
	return river.AddWorkerSafely(workers, &firmUnlockedWorker{s: s})
}

type templates struct {
	html map[string]*htmltemplate.Template
	text map[string]*texttemplate.Template
}

func parseTemplates() (*templates, error) {
	t := &templates{html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	for _, name := range []string{"team_invite", "team_unlocked", "team_firm_unlocked"} {
		h, err := htmltemplate.ParseFS(views.EmailFS, "email/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("team: parse %s.html: %w", name, err)
		}
		x, err := texttemplate.ParseFS(views.EmailFS, "email/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("team: parse %s.txt: %w", name, err)
		}
		t.html[name], t.text[name] = h, x
	}
	return t, nil
}

type sender struct {
	store *models.Store
	cfg   MailConfig
	tmpl  *templates
}

// emailData is what the team's email templates see.
type emailData struct {
	FirstName, Company string
	Minutes            int
	Link, NeverURL     string
	ValidUntil         string
	Answers            int
	ReportURL, SiteURL string
	// The consulting team's email: the lead and the team's pooled view.
	Name, LeadURL string
	Report        Report
}

// message renders one of the team's emails.
func (s *sender) message(name, subject string, to *netmail.Address, data emailData, id string) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.cfg.From)
	msg.ToMailAddress(to)
	msg.Subject(oneLine(subject))
	msg.SetMessageIDWithValue(id + "@" + s.cfg.BaseURL.Hostname())
	msg.SetDateWithValue(time.Now().UTC())
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	var text, html bytes.Buffer
	if err := s.tmpl.text[name].Execute(&text, data); err != nil {
		return nil, fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := s.tmpl.html[name].Execute(&html, data); err != nil {
		return nil, fmt.Errorf("render %s.html: %w", name, err)
	}
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// send delivers msg; a permanent refusal cancels the job.
func (s *sender) send(ctx context.Context, msg *gomail.Msg, name string) error {
	err := s.cfg.Transport.Send(ctx, msg, name)
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 && !se.IsTemp() {
		return river.JobCancel(fmt.Errorf("send %s: refused for good (%d)", name, se.ErrorCode()))
	}
	return fmt.Errorf("send %s: the mail server could not take it", name)
}

type inviteWorker struct {
	river.WorkerDefaults[InviteArgs]
	s *sender
}

// Work sends one invitation and then forgets its address.
func (w *inviteWorker) Work(ctx context.Context, job *river.Job[InviteArgs]) error {
	s := w.s
	p, err := s.store.PendingInvite(ctx, job.Args.InvitationID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // sent already, or the lead was erased
	}
	if err != nil {
		return err
	}
	base := s.cfg.BaseURL.String()
	first := oneLine(models.FirstName(p.Lead.Name))
	data := emailData{
		FirstName: first, Company: oneLine(p.Lead.Company),
		Minutes:    max(3, (s.cfg.Questions*20+59)/60),
		Link:       base + "/team/" + p.Invitation.Token,
		NeverURL:   base + "/team/" + p.Invitation.Token + "/never-email",
		ValidUntil: p.Invitation.ExpiresAt.UTC().Format("2 January 2006"),
		SiteURL:    base,
	}
	subject := first + " at " + data.Company + " asked for your view of your manager"
	msg, err := s.message("team_invite", subject, &netmail.Address{Address: p.Email}, data,
		"team-invite-"+strconv.FormatInt(p.Invitation.ID, 10))
	if err != nil {
		return err
	}
	msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+data.NeverURL+">")
	msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	err = s.send(ctx, msg, fmt.Sprintf("team-invite-%d", p.Invitation.ID))
	var cancel *river.JobCancelError
	switch {
	case err == nil:
		s.cfg.Log.Info("team invitation sent", slog.Int64("lead_id", p.Lead.ID), slog.Int64("invitation_id", p.Invitation.ID))
		return s.store.InviteSent(context.WithoutCancel(ctx), p.Invitation.ID, time.Now().UTC())
	case errors.As(err, &cancel):
		// Refused for good: the address is not kept waiting for nothing.
		if ferr := s.store.InviteUndeliverable(ctx, p.Invitation.ID); ferr != nil {
			return ferr
		}
		return err
	default:
		return err
	}
}

type unlockedWorker struct {
	river.WorkerDefaults[UnlockedArgs]
	s *sender
}

// Work tells the inviter that their team view is ready.
func (w *unlockedWorker) Work(ctx context.Context, job *river.Job[UnlockedArgs]) error {
	s := w.s
	lead, err := s.store.LeadByID(ctx, job.Args.LeadID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (lead.ErasedAt != nil || lead.Email == "")) {
		return river.JobCancel(fmt.Errorf("lead %d is gone or erased", job.Args.LeadID))
	}
	if err != nil {
		return err
	}
	base := s.cfg.BaseURL.String()
	data := emailData{FirstName: oneLine(models.FirstName(lead.Name)), ReportURL: base + "/results/" + lead.Token + "/team", SiteURL: base}
	msg, err := s.message("team_unlocked", "Your team's view of your manager is ready",
		&netmail.Address{Name: oneLine(lead.Name), Address: lead.Email}, data, "team-unlocked.lead-"+strconv.FormatInt(lead.ID, 10))
	if err != nil {
		return err
	}
	return s.send(ctx, msg, fmt.Sprintf("lead-%d-team-unlocked", lead.ID))
}

// oneLine keeps a header's text on one line.
func oneLine(s string) string { return strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ") }
