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

// TestLeadForEmailLoadsWhatLeadByIDDoes checks the email workers' one-query
// load against the full load, and recording a sent email with its history.
func TestLeadForEmailLoadsWhatLeadByIDDoes(t *testing.T) {
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
			want, err := store.LeadByID(ctx, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.LeadForEmail(ctx, lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got.TeamSize != *want.TeamSize || got.SubmissionKey != nil || want.SubmissionKey != nil {
				t.Errorf("team size %v submission key %v, want %v %v", *got.TeamSize, got.SubmissionKey, *want.TeamSize, want.SubmissionKey)
			}
			got.TeamSize, want.TeamSize = nil, nil
			if a, b := fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", *want); a != b {
				t.Errorf("LeadForEmail:\n%s\nLeadByID:\n%s", a, b)
			}
			if s := got.Emails[0]; s.SentAt == nil || !s.SentAt.Equal(at) || s.Attempts != 1 {
				t.Errorf("sent state = %+v", s)
			}
			acts, err := store.LeadActivity(ctx, lead.ID, 10)
			if err != nil || len(acts) != 2 || acts[0].Kind != models.ActivityEmailSent || acts[0].Detail != models.EmailProspectSummary {
				t.Errorf("activity = %+v (%v)", acts, err)
			}
			if _, err := store.LeadForEmail(ctx, lead.ID+1); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("unknown lead: %v, want ErrNotFound", err)
			}
		})
	}
}
