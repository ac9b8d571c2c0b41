package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestLeadForJobLoadsWhatLeadByIDDoes checks the email workers' one-query
// load against the full load, and recording a sent email with its history.
func TestLeadForJobLoadsWhatLeadByIDDoes(t *testing.T) {
	for _, dialect := range modelstest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := modelstest.Open(t, dialect)
			ctx := context.Background()
			lead := sampleLead(t)
			if err := store.SaveLead(ctx, lead); err != nil {
				t.Fatal(err)
			}
			at := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
			if err := store.RecordEmailSent(ctx, lead.ID, models.EmailProspectSummary, at); err != nil {
				t.Fatal(err)
			}
			if err := store.RecordEmailSent(ctx, lead.ID+1, models.EmailProspectSummary, at); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("recording another lead's email: %v, want ErrNotFound", err)
			}
			owner, err := store.CreateUser(ctx, "olu@stellapop.example", "Olu Owner", models.RoleConsultant, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			if err := store.SetLeadOwner(ctx, lead.ID, 1, &owner.ID, owner.ID); err != nil {
				t.Fatal(err)
			}
			want, err := store.LeadByID(ctx, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			// A job sees who owns the lead, and nothing else of their account.
			if want.Owner == nil || want.Owner.PasswordHash == "" {
				t.Fatalf("LeadByID's owner = %+v", want.Owner)
			}
			want.Owner = &models.User{ID: owner.ID, Email: "olu@stellapop.example", Name: "Olu Owner", Role: models.RoleConsultant}
			got, err := store.LeadForJob(ctx, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got.TeamSize != *want.TeamSize || got.SubmissionKey != nil || want.SubmissionKey != nil {
				t.Errorf("team size %v submission key %v, want %v %v", *got.TeamSize, got.SubmissionKey, *want.TeamSize, want.SubmissionKey)
			}
			if got.OwnerID == nil || *got.OwnerID != owner.ID || got.Owner == nil || *got.Owner != *want.Owner {
				t.Errorf("owner %v %+v, want %d %+v", got.OwnerID, got.Owner, owner.ID, want.Owner)
			}
			got.TeamSize, want.TeamSize = nil, nil
			got.OwnerID, want.OwnerID, got.Owner, want.Owner = nil, nil, nil, nil
			if a, b := fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", *want); a != b {
				t.Errorf("LeadForJob:\n%s\nLeadByID:\n%s", a, b)
			}
			if s := got.Emails[0]; s.SentAt == nil || !s.SentAt.Equal(at) || s.Attempts != 1 {
				t.Errorf("sent state = %+v", s)
			}
			acts, err := store.LeadActivity(ctx, lead.ID, 10)
			if err != nil || len(acts) != 3 || acts[0].Kind != models.ActivityEmailSent || acts[0].Detail != models.EmailProspectSummary {
				t.Errorf("activity = %+v (%v)", acts, err)
			}
			if _, err := store.LeadForJob(ctx, lead.ID+1); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("unknown lead: %v, want ErrNotFound", err)
			}
		})
	}
}
