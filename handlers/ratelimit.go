package handlers

import (
	"math"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/stellapop/intake/models"
)

// Purposes a client's requests are limited for, each with its own allowance.
const (
	limitSubmit = "submit"
	limitLogin  = "login"
)

// requestLimiter allows each client address a number of requests a minute.
// allow takes one request from the client's allowance; when none is left
// it says how many whole seconds to wait.
type requestLimiter interface {
	allow(c echo.Context) (retryAfter int, ok bool, err error)
}

// newRequestLimiter allows perMinute requests a minute per client for a
// purpose; 0 or less allows everything. On PostgreSQL, which several
// instances may share, requests are counted in the database so that one
// limit holds across them all; the embedded SQLite serves one process, so
// its count stays in memory.
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

func (unlimited) allow(echo.Context) (int, bool, error) { return 0, true, nil }

// sharedLimiter counts each client's requests per minute in the database.
type sharedLimiter struct {
	store     *models.Store
	purpose   string
	perMinute int
}

func (l *sharedLimiter) allow(c echo.Context) (int, bool, error) {
	now := time.Now()
	n, err := l.store.CountRequest(c.Request().Context(), l.purpose, c.RealIP(), now)
	if err != nil || n <= l.perMinute {
		return 0, err == nil, err
	}
	// The count starts again with the next minute.
	left := models.RateWindow - now.Sub(now.Truncate(models.RateWindow))
	return max(1, int(math.Ceil(left.Seconds()))), false, nil
}

// clientLimiter counts in memory, refilling each client's allowance evenly,
// with the whole minute's allowance available at once.
type clientLimiter struct {
	store *middleware.RateLimiterMemoryStore
	every time.Duration // one request's worth of refill
}

func newClientLimiter(perMinute int) *clientLimiter {
	return &clientLimiter{
		store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 3 * time.Minute,
		}),
		every: time.Minute / time.Duration(perMinute),
	}
}

func (l *clientLimiter) allow(c echo.Context) (int, bool, error) {
	if allowed, err := l.store.Allow(c.RealIP()); err != nil || allowed {
		return 0, true, nil
	}
	return int(math.Ceil(l.every.Seconds())), false, nil
}
