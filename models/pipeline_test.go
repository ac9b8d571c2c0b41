package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// pipelineRig is a fresh store with one saved lead and a consultant.
type pipelineRig struct {
	t          *testing.T
	store      *models.Store
	lead       *models.Lead
	consultant *models.User
}

func forEachPipeline(t *testing.T, test func(t *testing.T, r *pipelineRig)) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			lead := sampleLead(t)
			if err := store.SaveLead(t.Context(), lead); err != nil {
				t.Fatalf("SaveLead: %v", err)
			}
			u, err := store.CreateUser(t.Context(), "cora@stellapop.example", "Cora Consultant", models.RoleConsultant, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			test(t, &pipelineRig{t: t, store: store, lead: lead, consultant: u})
		})
	}
}

func (r *pipelineRig) reload() *models.Lead {
	r.t.Helper()
	l, err := r.store.LeadByID(r.t.Context(), r.lead.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return l
}

// kinds lists the lead's history as "kind:detail", newest first.
func (r *pipelineRig) kinds() []string {
	r.t.Helper()
	acts, err := r.store.LeadActivity(r.t.Context(), r.lead.ID, 50)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, a := range acts {
		out = append(out, a.Kind+":"+a.Detail)
	}
	return out
}

func TestSetLeadStatus(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		if err := r.store.SetLeadStatus(ctx, r.lead.ID, 1, models.StatusContacted, r.consultant.ID); err != nil {
			t.Fatalf("SetLeadStatus: %v", err)
		}
		l := r.reload()
		if l.Status != models.StatusContacted || l.Version != 2 || l.TouchedAt == nil {
			t.Errorf("after the change: status %q version %d touched %v; want contacted, 2, set", l.Status, l.Version, l.TouchedAt)
		}
		acts, _ := r.store.LeadActivity(ctx, r.lead.ID, 1)
		if len(acts) != 1 || acts[0].Kind != models.ActivityStatusChanged || acts[0].Detail != "new → contacted" ||
			acts[0].Actor == nil || acts[0].Actor.ID != r.consultant.ID {
			t.Errorf("newest activity = %+v, want the consultant's status change new → contacted", acts)
		}

		touched := *l.TouchedAt
		if err := r.store.SetLeadStatus(ctx, r.lead.ID, 2, models.StatusQualified, r.consultant.ID); err != nil {
			t.Fatalf("second SetLeadStatus: %v", err)
		}
		if l := r.reload(); l.Version != 3 || !l.TouchedAt.Equal(touched) {
			t.Errorf("second change: version %d touched %v; want 3 and the first touch %v kept", l.Version, l.TouchedAt, touched)
		}
	})
}

func TestStaleChangesAreRefused(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		if err := r.store.SetLeadStatus(ctx, r.lead.ID, 1, models.StatusContacted, r.consultant.ID); err != nil {
			t.Fatal(err)
		}
		before := r.kinds()
		owner := r.consultant.ID
		for name, change := range map[string]func() error{
			"status":    func() error { return r.store.SetLeadStatus(ctx, r.lead.ID, 1, models.StatusLost, r.consultant.ID) },
			"owner":     func() error { return r.store.SetLeadOwner(ctx, r.lead.ID, 1, &owner, r.consultant.ID) },
			"follow-up": func() error { return r.store.SetLeadFollowUp(ctx, r.lead.ID, 1, "2030-01-02", r.consultant.ID) },
		} {
			if err := change(); !errors.Is(err, models.ErrStale) {
				t.Errorf("%s with a stale version: error = %v, want ErrStale", name, err)
			}
		}
		l := r.reload()
		if l.Status != models.StatusContacted || l.OwnerID != nil || l.FollowUpOn != "" || l.Version != 2 {
			t.Errorf("stale changes were applied: %+v", l)
		}
		if got := r.kinds(); len(got) != len(before) {
			t.Errorf("stale changes wrote history: %v", got)
		}
	})
}

func TestPipelineRejectsBadValues(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		if err := r.store.SetLeadStatus(ctx, r.lead.ID, 1, "archived", r.consultant.ID); !errors.Is(err, models.ErrUnknownStatus) {
			t.Errorf("unknown status: error = %v", err)
		}
		if err := r.store.SetLeadFollowUp(ctx, r.lead.ID, 1, "2030-02-30", r.consultant.ID); !errors.Is(err, models.ErrBadDate) {
			t.Errorf("30 February: error = %v", err)
		}
		marketer, err := r.store.CreateUser(ctx, "mo@stellapop.example", "Mo", models.RoleMarketing, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		gone, err := r.store.CreateUser(ctx, "gone@stellapop.example", "Gone", models.RoleConsultant, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.store.SetUserDisabled(ctx, gone.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{marketer.ID, gone.ID, 999999} {
			if err := r.store.SetLeadOwner(ctx, r.lead.ID, 1, &id, r.consultant.ID); !errors.Is(err, models.ErrNotAssignable) {
				t.Errorf("owner %d: error = %v, want ErrNotAssignable", id, err)
			}
		}
		if err := r.store.SetLeadStatus(ctx, 999999, 1, models.StatusWon, r.consultant.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown lead: error = %v, want ErrNotFound", err)
		}
		if l := r.reload(); l.Version != 1 {
			t.Errorf("refused changes moved the version to %d", l.Version)
		}
	})
}

func TestSetLeadOwnerAndFollowUp(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		id := r.consultant.ID
		steps := []struct {
			name string
			do   func(version int) error
		}{
			{"assign", func(v int) error { return r.store.SetLeadOwner(ctx, r.lead.ID, v, &id, r.consultant.ID) }},
			{"follow up", func(v int) error { return r.store.SetLeadFollowUp(ctx, r.lead.ID, v, "2030-01-31", r.consultant.ID) }},
			{"unassign", func(v int) error { return r.store.SetLeadOwner(ctx, r.lead.ID, v, nil, r.consultant.ID) }},
			{"clear follow-up", func(v int) error { return r.store.SetLeadFollowUp(ctx, r.lead.ID, v, "", r.consultant.ID) }},
		}
		for i, step := range steps {
			if err := step.do(i + 1); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			l := r.reload()
			switch step.name {
			case "assign":
				if l.Owner == nil || l.Owner.ID != id {
					t.Errorf("after assign: owner %+v", l.Owner)
				}
			case "follow up":
				if l.FollowUpOn != "2030-01-31" {
					t.Errorf("after follow up: %q", l.FollowUpOn)
				}
			case "unassign":
				if l.OwnerID != nil {
					t.Errorf("after unassign: owner %v", *l.OwnerID)
				}
			}
		}
		if l := r.reload(); l.FollowUpOn != "" || l.Version != 5 {
			t.Errorf("at the end: follow-up %q version %d; want cleared, 5", l.FollowUpOn, l.Version)
		}
		want := "follow_up_set: assigned: follow_up_set:2030-01-31 assigned:Cora Consultant created:"
		if got := strings.Join(r.kinds(), " "); got != want {
			t.Errorf("history = %s\nwant      %s", got, want)
		}
		// Choosing what is already there changes nothing and writes nothing.
		if err := r.store.SetLeadOwner(ctx, r.lead.ID, 5, nil, r.consultant.ID); err != nil {
			t.Fatal(err)
		}
		if l := r.reload(); l.Version != 5 || len(r.kinds()) != 5 {
			t.Errorf("a no-op change moved the version to %d", l.Version)
		}
	})
}

func TestAddLeadNote(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		for _, body := range []string{"Called, no answer.", "  Left a voicemail.\r\nWill try Friday.  "} {
			if _, err := r.store.AddLeadNote(ctx, r.lead.ID, r.consultant.ID, body); err != nil {
				t.Fatalf("AddLeadNote: %v", err)
			}
		}
		notes, err := r.store.LeadNotes(ctx, r.lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != 2 || notes[0].Body != "Called, no answer." || notes[1].Body != "Left a voicemail.\nWill try Friday." ||
			notes[1].Author == nil || notes[1].Author.Name != "Cora Consultant" {
			t.Errorf("notes = %+v", notes)
		}
		l := r.reload()
		if l.Version != 1 || l.TouchedAt == nil {
			t.Errorf("after notes: version %d touched %v; want 1 and set", l.Version, l.TouchedAt)
		}
		for _, body := range []string{"", " \n\t ", strings.Repeat("é", models.MaxNoteLen+1)} {
			if _, err := r.store.AddLeadNote(ctx, r.lead.ID, r.consultant.ID, body); !errors.Is(err, models.ErrInvalidNote) {
				t.Errorf("note of %d characters: error = %v, want ErrInvalidNote", len(body), err)
			}
		}
		if _, err := r.store.AddLeadNote(ctx, r.lead.ID, r.consultant.ID, strings.Repeat("é", models.MaxNoteLen)); err != nil {
			t.Errorf("a note of exactly the limit: %v", err)
		}
		if _, err := r.store.AddLeadNote(ctx, 999999, r.consultant.ID, "hello"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("note on an unknown lead: error = %v", err)
		}
	})
}

func TestRecordLeadViewOncePerTenMinutes(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		other, err := r.store.CreateUser(ctx, "ann@stellapop.example", "Ann Admin", models.RoleAdmin, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC()
		views := []struct {
			user int64
			at   time.Time
			want bool
		}{
			{r.consultant.ID, t0, true},
			{r.consultant.ID, t0.Add(time.Minute), false},
			{other.ID, t0.Add(2 * time.Minute), true},
			{r.consultant.ID, t0.Add(9 * time.Minute), false},
			{r.consultant.ID, t0.Add(11 * time.Minute), true},
		}
		for i, v := range views {
			got, err := r.store.RecordLeadView(ctx, r.lead.ID, v.user, v.at)
			if err != nil || got != v.want {
				t.Errorf("view %d: recorded = %v (%v), want %v", i, got, err, v.want)
			}
		}
		n := 0
		for _, k := range r.kinds() {
			if k == "viewed:" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("viewed entries = %d, want 3", n)
		}
	})
}

// Opening the call brief is its own entry in the history, counted once
// per person in ten minutes like a view of the page, and apart from it.
func TestRecordBriefView(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		t0 := time.Now().UTC()
		if _, err := r.store.RecordLeadView(ctx, r.lead.ID, r.consultant.ID, t0); err != nil {
			t.Fatal(err)
		}
		for i, v := range []struct {
			at   time.Time
			want bool
		}{{t0, true}, {t0.Add(time.Minute), false}, {t0.Add(11 * time.Minute), true}} {
			got, err := r.store.RecordBriefView(ctx, r.lead.ID, r.consultant.ID, v.at)
			if err != nil || got != v.want {
				t.Errorf("brief view %d: recorded = %v (%v), want %v", i, got, err, v.want)
			}
		}
		counts := map[string]int{}
		for _, k := range r.kinds() {
			counts[k]++
		}
		if counts["brief_viewed:"] != 2 || counts["viewed:"] != 1 {
			t.Errorf("history kinds = %v, want 2 brief_viewed and 1 viewed", counts)
		}
	})
}

func TestResendEmail(t *testing.T) {
	forEachPipeline(t, func(t *testing.T, r *pipelineRig) {
		ctx := t.Context()
		kind := models.EmailProspectSummary
		if err := r.store.RecordEmailSent(ctx, r.lead.ID, kind, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("queue unavailable")
		failing := func(ctx context.Context, tx models.Tx, leadID int64, k string) error { return boom }
		if err := r.store.ResendEmail(ctx, r.lead.ID, kind, &r.consultant.ID, failing); !errors.Is(err, boom) {
			t.Fatalf("ResendEmail with a failing hook: error = %v, want %v", err, boom)
		}
		if e, _ := r.store.LeadEmailState(ctx, r.lead.ID, kind); e.SentAt == nil {
			t.Errorf("a failed resend still cleared sent_at")
		}
		if r.kinds()[0] == models.ActivityEmailResent+":"+kind {
			t.Errorf("a failed resend still wrote its history")
		}

		var calls []string
		queue := func(ctx context.Context, tx models.Tx, leadID int64, k string) error {
			// The hook writes in the store's transaction: prove it is live.
			var n int
			if err := tx.SQL.QueryRowContext(ctx, "SELECT count(*) FROM lead_emails WHERE lead_id = $1 AND kind = $2 AND sent_at IS NULL", leadID, k).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				return errors.New("the hook does not see the reset in its transaction")
			}
			calls = append(calls, k)
			return nil
		}
		if err := r.store.ResendEmail(ctx, r.lead.ID, kind, &r.consultant.ID, queue); err != nil {
			t.Fatalf("ResendEmail: %v", err)
		}
		e, _ := r.store.LeadEmailState(ctx, r.lead.ID, kind)
		if len(calls) != 1 || calls[0] != kind || e.SentAt != nil || e.FailedAt != nil {
			t.Errorf("after resend: hook calls %v, state %+v", calls, e)
		}
		if got := r.kinds()[0]; got != models.ActivityEmailResent+":"+kind {
			t.Errorf("newest history = %s, want the resend", got)
		}
	})
}
