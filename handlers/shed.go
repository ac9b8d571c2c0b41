package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Defaults for load shedding, when Deps leaves them unset.
const (
	defaultInFlightLimit = 20
	defaultShedWait      = 250 * time.Millisecond
	// shedRetryAfter is what a refused visitor is told to wait, in seconds.
	shedRetryAfter = 2
)

// shedder admits at most a fixed number of requests that use the database
// at once. A request beyond that waits a short while for a turn, and is
// then refused with a 503 at once rather than queueing behind work the
// machine cannot finish: under a load larger than it can serve, visitors
// get a quick answer and memory stays bounded, instead of timeouts piling up.
type shedder struct {
	slots chan struct{}
	wait  time.Duration
}

func newShedder(limit int, wait time.Duration) *shedder {
	if limit <= 0 {
		limit = defaultInFlightLimit
	}
	if wait <= 0 {
		wait = defaultShedWait
	}
	return &shedder{slots: make(chan struct{}, limit), wait: wait}
}

// middleware serves the request when a turn comes within the wait, or else
// answers with busy (nil: the 503 error page).
func (s *shedder) middleware(busy echo.HandlerFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			select {
			case s.slots <- struct{}{}:
			default:
				t := time.NewTimer(s.wait)
				select {
				case s.slots <- struct{}{}:
					t.Stop()
				case <-t.C:
					return s.refuse(c, busy)
				case <-c.Request().Context().Done():
					t.Stop()
					return c.Request().Context().Err()
				}
			}
			defer func() { <-s.slots }()
			return next(c)
		}
	}
}

func (s *shedder) refuse(c echo.Context, busy echo.HandlerFunc) error {
	c.Set(shedRefusedKey, true)
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(shedRetryAfter))
	if busy != nil {
		return busy(c)
	}
	return errBusy
}

// shedRefusedKey marks, in the request's context store, a request the
// shedder refused: the request log tells it from a fault by this.
const shedRefusedKey = "intake.shedRefused"

// refusedUnderLoad reports whether the shedder answered the request.
func refusedUnderLoad(c echo.Context) bool {
	refused, _ := c.Get(shedRefusedKey).(bool)
	return refused
}

// errBusy is a request shed under load: a 503 page, not logged as a fault
// (under overload there would be one line per refusal).
var errBusy = echo.NewHTTPError(http.StatusServiceUnavailable, "busy")
