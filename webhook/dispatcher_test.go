package webhook

import (
	"context"
	"testing"

	"github.com/stellapop/intake/mail"
	"github.com/stellapop/intake/models"
)

// TestNewLeadQueuesEmailsAndEventsInOneInsert: a new lead's emails (the
// handlers' hook) and its lead.created for each endpoint (the store's
// event hook) are queued together once the last hook has run, not one
// insert per hook, and all of them are there when the lead is.
func TestNewLeadQueuesEmailsAndEventsInOneInsert(t *testing.T) {
	r := newRig(t, models.Postgres, nil)
	rc := newReceiver(t)
	for range 3 {
		r.endpoint(models.WebhookStandard, rc.srv.URL, LeadCreated)
	}
	queuedMeanwhile := -1
	countJobs := func(ctx context.Context, tx models.Tx, _ *models.Lead) error {
		return tx.Pgx.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&queuedMeanwhile)
	}
	emails := mail.Enqueuer{Queue: r.queue}
	if err := r.store.SaveLead(context.Background(), r.lead("Ada", "ada@example.com", "Acme"), emails.EnqueueLeadEmails, countJobs); err != nil {
		t.Fatal(err)
	}
	if queuedMeanwhile != 0 {
		t.Errorf("%d jobs were inserted before the last hook ran; want none until then", queuedMeanwhile)
	}
	var nEmails, nEvents int
	err := r.store.SQLDB().QueryRow("SELECT count(*) FILTER (WHERE kind = 'lead_email'), count(*) FILTER (WHERE kind = 'webhook') FROM river_job").Scan(&nEmails, &nEvents)
	if err != nil {
		t.Fatal(err)
	}
	if nEmails != len(models.EmailKinds) || nEvents != 3 {
		t.Errorf("queued %d emails and %d deliveries; want %d and 3", nEmails, nEvents, len(models.EmailKinds))
	}
}
