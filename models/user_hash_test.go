package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPasswordHashingWaitsForASlot fills every hashing slot, as a burst of
// sign-ins would, and checks that one more waits rather than running (and
// allocating its 64 MiB), then runs once a slot frees.
func TestPasswordHashingWaitsForASlot(t *testing.T) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	if err := withHashSlot(ctx, func() { ran = true }); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("with every slot taken: err = %v, ran = %v; want to wait until the deadline", err, ran)
	}
	<-hashSlots
	if _, err := hashPassword(context.Background(), "a long and memorable passphrase"); err != nil {
		t.Fatalf("with a slot free: %v", err)
	}
	for range cap(hashSlots) - 1 {
		<-hashSlots
	}
}
