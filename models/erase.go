package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Erasure removes a lead's personal data and keeps what is not personal, so
// the dashboard's numbers stay true after someone asks to be forgotten.
//
// Removed: name (set to ErasedName), email, company, role, team size and
// referrer (a referring address can name a person); the landing page's
// query and fragment, utm_term and utm_content, and any other UTM value
// holding the address (see erasedSource); every note (deleted); the emails'
// delivery states (deleted: a last error can quote the address, and a
// worker that finds no state cancels its job); the lead's pending email
// jobs (deleted); quarantined submissions sent with the same address
// (deleted); the answers webhook receivers gave to deliveries about the
// lead (cleared: one may echo what it was sent); the team view's
// invitations, waiting invitee addresses and colleagues' answers
// (deleted); the detail of history entries that may hold a name or words
// someone typed (replaced by ErasedDetail); and the result page's token,
// replaced so links in emails already sent stop working.
//
// Kept: answers (the questions and options chosen, about a manager, not
// the lead), scores, band, index, diagnostic version, status, owner,
// follow-up date, dates, the landing page's address without its query,
// utm_source, utm_medium and utm_campaign, and each consent's decision with
// its wording, version and hash (active ones are marked withdrawn), which
// prove what was agreed and are no longer anyone's.

// ErasedName is the name an erased lead is shown under.
const ErasedName = "Erased"

// ActivityErased is the history entry of an erasure. Its actor is the admin
// who erased the lead, or none with the detail ErasedByRetention.
const ActivityErased = "erased"

// ErasedByRetention is the detail of an erasure made by the retention run.
const ErasedByRetention = "retention"

// ErasedDetail replaces the detail of a history entry that erasure clears,
// so "assigned to nobody" (an empty detail) stays distinct from "assigned
// to someone whose name was erased".
const ErasedDetail = "(erased)"

// keptDetails are the kinds of history whose detail is a code or a date,
// never a name or free text; erasure replaces every other kind's detail, so
// a kind added later is erased until someone decides otherwise.
var keptDetails = []string{
	ActivityStatusChanged, ActivityFollowUpSet, ActivityEmailSent, ActivityEmailFailed,
	ActivityEmailResent, ActivityConsentWithdrawn, ActivityErased,
	ActivityMeetingBooked, ActivityMeetingRescheduled, ActivityMeetingCancelled,
}

// emailJobKind is mail.EmailArgs' kind in the job queue's table (models
// cannot import mail, which imports models).
const emailJobKind = "lead_email"

// pendingJobStates are the states of a job that has not started yet. A job
// running now is left alone: its worker finds no delivery state next time.
var pendingJobStates = []string{"available", "scheduled", "retryable", "pending"}

// erasure says who erases and whether the addresses are suppressed.
type erasure struct {
	actorID  *int64
	detail   string
	suppress bool
	at       time.Time
	// quarantinedBefore, when set, limits the quarantined submissions
	// deleted with the leads to those received before it.
	quarantinedBefore time.Time
}

// EraseLead erases a lead's personal data at an admin's request, in one
// transaction, and suppresses its address. It reports whether the lead was
// erased now; erasing again scrubs anything added since and changes nothing
// else. An unknown lead is ErrNotFound.
func (s *Store) EraseLead(ctx context.Context, leadID, actorID int64) (bool, error) {
	first := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var lead Lead
		err := s.forUpdate(tx, "").Select(erasureColumns).Where("id = ?", leadID).Take(&lead).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		first = lead.ErasedAt == nil
		return s.eraseLeads(tx, []Lead{lead}, erasure{actorID: &actorID, suppress: true, at: time.Now().UTC()})
	})
	if err != nil {
		return false, fmt.Errorf("erase lead %d: %w", leadID, err)
	}
	return first, nil
}

// forUpdate locks the rows a query reads until the transaction ends, on
// PostgreSQL, so two erasures of one lead run one after the other; SQLite
// has a single writer anyway.
func (s *Store) forUpdate(tx *gorm.DB, options string) *gorm.DB {
	if s.dialect != Postgres {
		return tx
	}
	return tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: options})
}

// erasureColumns are the columns eraseLeads needs of each lead.
var erasureColumns = []string{"id", "email", "erased_at", "landing_page", "utm_source", "utm_medium", "utm_campaign"}

// eraseLeads erases leads (each loaded with erasureColumns) inside tx. It is the one erasure both an admin's request and retention use.
func (s *Store) eraseLeads(tx *gorm.DB, leads []Lead, e erasure) error {
	if len(leads) == 0 {
		return nil
	}
	if e.suppress && len(s.suppressionKey) == 0 {
		return fmt.Errorf("suppress addresses: %w", ErrNoSuppressionKey)
	}
	ids := make([]int64, len(leads))
	var suppressed []Suppression
	var plain []string // entries of the unkeyed form, which the keyed ones replace
	seen := map[string]bool{}
	var history []Activity
	var events []LeadEvent // lead.erased, once per lead: its id and nothing else
	for i, l := range leads {
		ids[i] = l.ID
		if e.suppress && strings.TrimSpace(l.Email) != "" {
			keyed, old := suppressionForms(s.suppressionKey, l.Email)
			if !seen[keyed] {
				seen[keyed] = true
				suppressed = append(suppressed, Suppression{Hash: keyed, CreatedAt: e.at})
				plain = append(plain, old)
			}
		}
		if l.ErasedAt == nil {
			history = append(history, Activity{LeadID: l.ID, ActorID: e.actorID, Kind: ActivityErased, Detail: e.detail, CreatedAt: e.at})
			events = append(events, LeadEvent{Type: EventLeadErased, LeadID: l.ID, At: e.at})
		}
	}
	if len(suppressed) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&suppressed).Error; err != nil {
			return fmt.Errorf("suppress addresses: %w", err)
		}
		if err := tx.Where("email_sha256 IN ?", plain).Delete(&Suppression{}).Error; err != nil {
			return fmt.Errorf("replace unkeyed suppressions: %w", err)
		}
	}
	// Erasure clears the source and team size the summaries group by.
	clearDetails := func() error { return e.clearContactDetails(tx, leads) }
	if err := moveStats(tx, ids, clearDetails); err != nil {
		return err
	}
	steps := []struct {
		what string
		run  func() error
	}{
		{"withdraw consents", func() error {
			return tx.Model(&Consent{}).Where("lead_id IN ? AND granted = ? AND withdrawn_at IS NULL", ids, true).
				Update("withdrawn_at", e.at).Error
		}},
		{"delete notes", func() error { return tx.Where("lead_id IN ?", ids).Delete(&Note{}).Error }},
		{"delete email states", func() error { return tx.Where("lead_id IN ?", ids).Delete(&LeadEmail{}).Error }},
		{"clear history details", func() error {
			return tx.Model(&Activity{}).Where("lead_id IN ? AND kind NOT IN ? AND detail <> '' AND detail <> ?", ids, keptDetails, ErasedDetail).
				Update("detail", ErasedDetail).Error
		}},
		{"cancel email jobs", func() error { return s.deleteEmailJobs(tx, ids) }},
		{"clear webhook answers", func() error {
			// A receiver's answer may echo the details it was sent.
			return tx.Model(&WebhookDelivery{}).Where("lead_id IN ? AND response <> ''", ids).Update("response", "").Error
		}},
		{"delete team data", func() error { return eraseTeam(tx, ids) }},
		{"delete quarantined submissions", func() error { return s.deleteQuarantinedFrom(tx, leads, e.quarantinedBefore) }},
		{"record erasure", func() error {
			if len(history) == 0 {
				return nil
			}
			return tx.Create(&history).Error
		}},
		{"queue lead.erased", func() error { return s.emitGORM(tx, events...) }},
	}
	for _, step := range steps {
		if err := step.run(); err != nil {
			return fmt.Errorf("%s: %w", step.what, err)
		}
	}
	return nil
}

// clearContactDetails clears each lead's contact details and the parts of
// its source that could name the person, giving it a fresh result token.
func (e erasure) clearContactDetails(tx *gorm.DB, leads []Lead) error {
	for _, l := range leads {
		// A fresh token for each: the old one unlocks the result page.
		token, err := newToken()
		if err != nil {
			return err
		}
		src := erasedSource(l.Source, l.Email)
		err = tx.Model(&Lead{}).Where("id = ?", l.ID).Updates(map[string]any{
			"token": token, "name": ErasedName, "email": "", "company": "", "role": "", "team_size": nil,
			"landing_page": src.LandingPage, "referrer": src.Referrer, "utm_source": src.UTMSource,
			"utm_medium": src.UTMMedium, "utm_campaign": src.UTMCampaign, "utm_term": src.UTMTerm,
			"utm_content": src.UTMContent, "marketing_opt_in": false, "version": gorm.Expr("version + 1"),
			"erased_at": gorm.Expr("COALESCE(erased_at, ?)", e.at),
		}).Error
		if err != nil {
			return fmt.Errorf("clear contact details: %w", err)
		}
	}
	return nil
}

// addressSpace is what is trimmed from both ends of an address before
// addresses are compared in the database: the ASCII white space a form
// field can carry (space, tab, line feed, vertical tab, form feed, carriage
// return). One list for Go and SQL alike, where strings.TrimSpace and SQL's
// trim() would each trim something else.
const addressSpace = " \t\n\v\f\r"

// deleteQuarantinedFrom deletes the quarantined submissions sent with the
// addresses of leads (in any case), received before before unless it is
// zero: they hold the same person's details, waiting for an admin.
func (s *Store) deleteQuarantinedFrom(tx *gorm.DB, leads []Lead, before time.Time) error {
	var addresses []string
	for _, l := range leads {
		if a := strings.ToLower(strings.Trim(l.Email, addressSpace)); a != "" {
			addresses = append(addresses, a)
		}
	}
	if len(addresses) == 0 {
		return nil
	}
	// The submission is kept as JSON of a Lead, whose address is "Email",
	// as it was typed. Both databases' trim() take only spaces unless told
	// which characters, so each is given addressSpace, as Go is above.
	email := "lower(btrim(lead::jsonb->>'Email', ?))"
	if s.dialect == SQLite {
		email = "lower(trim(json_extract(lead, '$.Email'), ?))"
	}
	q := tx.Where(email+" IN ?", addressSpace, addresses)
	if !before.IsZero() {
		q = q.Where("created_at < ?", before)
	}
	return q.Delete(&Quarantined{}).Error
}

// deleteEmailJobs removes the leads' email jobs that have not started. The
// queue's tables exist once the queue has migrated; a store used without
// the queue (some tests, tools) has none and so no jobs to remove.
func (s *Store) deleteEmailJobs(tx *gorm.DB, ids []int64) error {
	exists := false
	probe := "SELECT to_regclass('river_job') IS NOT NULL"
	if s.dialect == SQLite {
		probe = "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'river_job'"
	}
	if err := tx.Raw(probe).Scan(&exists).Error; err != nil {
		return err
	}
	if !exists {
		return nil
	}
	// The job's arguments are JSON: {"lead_id": …, "email_kind": …}.
	leadID := "(args->>'lead_id')::bigint"
	if s.dialect == SQLite {
		leadID = "json_extract(args, '$.lead_id')"
	}
	return tx.Exec("DELETE FROM river_job WHERE kind = ? AND state IN ? AND "+leadID+" IN ?",
		emailJobKind, pendingJobStates, ids).Error
}
