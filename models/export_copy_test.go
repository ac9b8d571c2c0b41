package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// TestExportCopyStopsCleanly checks that a COPY export stops at the
// callback's error or the cancellation, and leaves the pool usable.
func TestExportCopyStopsCleanly(t *testing.T) {
	store := modelstest.Open(t, models.Postgres)
	if !store.CanCopyExport() {
		t.Fatal("CanCopyExport is false on PostgreSQL")
	}
	for range 7 {
		exportLead(t, store, time.Now().UTC(), true, nil)
	}
	stop := errors.New("the client went away")
	calls := 0
	n, err := store.ExportCopy(context.Background(), models.ExportFilter{}, nil, func([]string) error {
		if calls++; calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 || calls != 3 {
		t.Errorf("stopping at the third row: %d contacts, %d calls, %v", n, calls, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err = store.ExportCopy(ctx, models.ExportFilter{}, nil, func([]string) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled at the first row: %d contacts, %v", n, err)
	}
	for range 12 { // more than the pool holds: no connection was lost
		if n, err := store.ExportCopy(context.Background(), models.ExportFilter{}, nil, func([]string) error { return nil }); n != 7 || err != nil {
			t.Fatalf("after stopping, export = %d, %v", n, err)
		}
	}
}
