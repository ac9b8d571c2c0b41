package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/stellapop/intake/models"
)

// Purposes a client's requests are limited for, each with its own allowance.
const (
	limitSubmit = "submit"
	limitLogin  = "login"
	// limitAPI (api.go) counts by token id rather than client address.
	// Invitation lists, counted per client address and per inviting lead.
	limitInviteClient = "invite"
	limitInviteLead   = "invite-lead"
	// Beacons of the diagnostic's steps reached, per client address.
	limitSteps = "steps"
)

// requestLimiter allows each client address a number of requests per clock
// minute (models.RateMinute): the count starts again as each minute begins,
// so a burst across a minute's end may reach twice the number. allow counts
// one request from client at now; when it is over the number it says how
// many whole seconds are left until the next minute.
type requestLimiter interface {
	allow(ctx context.Context, client string, now time.Time) (retryAfter int, ok bool, err error)
}

// newRequestLimiter allows perMinute requests a minute per client for a
// purpose; 0 or less allows everything. On PostgreSQL, which several
// instances may share, requests are counted in the database so that one
// limit holds across them all; the embedded SQLite serves one process, so
// its count stays in memory. Both count by the same rule.
func newRequestLimiter(store *models.Store, purpose string, perMinute int) requestLimiter {
	switch {
	case perMinute <= 0:
		return unlimited{}
	case store.Dialect() == models.Postgres:
		return &sharedLimiter{store: store, purpose: purpose, perMinute: perMinute}
	default:
		return newClientLimiter(perMinute)
	}
}

// unlimited allows every request.
type unlimited struct{}

func (unlimited) allow(context.Context, string, time.Time) (int, bool, error) { return 0, true, nil }

// sharedLimiter counts each client's requests per minute in the database.
type sharedLimiter struct {
	store     *models.Store
	purpose   string
	perMinute int
}

func (l *sharedLimiter) allow(ctx context.Context, client string, now time.Time) (int, bool, error) {
	n, err := l.store.CountRequest(ctx, l.purpose, client, now)
	if err != nil || n <= l.perMinute {
		return 0, err == nil, err
	}
	_, untilNext := models.RateMinute(now)
	return untilNext, false, nil
}

// request is what the lead's save counts against the limit when it counts
// the submission itself (models.Store.SaveLeadCounted).
func (l *sharedLimiter) request(client string, now time.Time) models.RequestLimit {
	return models.RequestLimit{Purpose: l.purpose, Client: client, At: now, PerMinute: l.perMinute}
}

// clientLimiter counts each client's requests per minute in memory. It
// holds only the current minute's counts: a new minute drops the last.
type clientLimiter struct {
	perMinute int
	mu        sync.Mutex
	window    int64
	counts    map[string]int
}

func newClientLimiter(perMinute int) *clientLimiter {
	return &clientLimiter{perMinute: perMinute, counts: map[string]int{}}
}

func (l *clientLimiter) allow(_ context.Context, client string, now time.Time) (int, bool, error) {
	window, untilNext := models.RateMinute(now)
	l.mu.Lock()
	defer l.mu.Unlock()
	if window > l.window {
		// A fresh map, not clear(): a busy minute's buckets are let go.
		l.window, l.counts = window, map[string]int{}
	}
	// A clock set back a little counts into the minute already open.
	l.counts[client]++
	if l.counts[client] <= l.perMinute {
		return 0, true, nil
	}
	return untilNext, false, nil
}
