package team

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"

	"github.com/riverqueue/river"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// FirmUnlockedArgs is the consulting team's email when a lead's team view
// unlocks: a team's picture of one manager is a far better reason to call
// than one person's.
type FirmUnlockedArgs struct {
	LeadID int64 `json:"lead_id"`
}

// Kind names the job type in the queue.
func (FirmUnlockedArgs) Kind() string { return "team_firm_unlocked" }

// InsertOpts sends it on the email queue with its retries.
func (FirmUnlockedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: mail.QueueName, MaxAttempts: 20}
}

type firmUnlockedWorker struct {
	river.WorkerDefaults[FirmUnlockedArgs]
	s *sender
}

// FirmSubject is the consulting team's subject line for a team view of
// answers colleagues at company.
func FirmSubject(company string, answers int) string {
	if company == "" {
		company = "A lead"
	}
	return fmt.Sprintf("%s: %d colleagues rated the same manager", company, answers)
}

// Work tells the consulting team, with the team's pooled figures (never
// one colleague's answers) and the lead page's link.
func (w *firmUnlockedWorker) Work(ctx context.Context, job *river.Job[FirmUnlockedArgs]) error {
	s := w.s
	lead, err := s.store.LeadByID(ctx, job.Args.LeadID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && lead.ErasedAt != nil) {
		return river.JobCancel(fmt.Errorf("lead %d is gone or erased", job.Args.LeadID))
	}
	if err != nil {
		return err
	}
	report, _, err := LeadReport(ctx, s.store, s.cfg.Diagnostic, lead, MinAnswers)
	if err != nil {
		return err
	}
	base := s.cfg.BaseURL.String()
	data := emailData{
		Name: oneLine(lead.Name), Company: oneLine(lead.Company), Answers: report.Answers, Report: report,
		LeadURL: base + "/admin/leads/" + strconv.FormatInt(lead.ID, 10), SiteURL: base,
	}
	msg, err := s.message("team_firm_unlocked", FirmSubject(data.Company, report.Answers), s.cfg.Firm[0], data,
		"team-firm-unlocked.lead-"+strconv.FormatInt(lead.ID, 10))
	if err != nil {
		return err
	}
	msg.ToMailAddress(s.cfg.Firm...)
	if lead.Email != "" {
		// A consultant's reply goes straight to the inviter, as with a new lead.
		msg.ReplyToMailAddress(&netmail.Address{Name: oneLine(lead.Name), Address: lead.Email})
	}
	return s.send(ctx, msg, fmt.Sprintf("lead-%d-team-firm-unlocked", lead.ID))
}
