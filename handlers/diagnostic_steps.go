package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
)

// Step drop-off: the diagnostic's script (static/js/diagnostic.js) tells
// us, with navigator.sendBeacon, each step a visitor reaches, once per
// step and page view, so the dashboard can show where visitors stop. The
// beacon carries the step and the diagnostic's version, nothing else; it
// is counted per UTC day by the FunnelCounter and no cookie, address or
// identifier is kept. Without JavaScript no beacon comes, and the start
// (the page view) and the submission stand for the first and last steps.

// stepsPath is where the diagnostic's script sends the steps reached.
const stepsPath = "/diagnostic/steps"

// beaconContentType is what navigator.sendBeacon sends URLSearchParams as.
const beaconContentType = "application/x-www-form-urlencoded"

// stepsPerSubmission is how many beacons a client address may send a
// minute for each submission SUBMIT_RATE_LIMIT lets it make: a visitor
// sends one per step, so this allows as many visits, finished or not,
// as the address may send diagnostics, reaching every step, twice over.
const stepsPerSubmission = 2

// stepCount is how many steps the diagnostic has: its questions in steps
// of questionsPerStep, then the contact step.
func stepCount(def *diagnostic.Definition) int {
	return (len(def.Questions)+questionsPerStep-1)/questionsPerStep + 1
}

// stepLimitPerMinute is how many beacons one address may send a minute;
// 0 (SUBMIT_RATE_LIMIT=0, for load tests) allows every one.
func stepLimitPerMinute(def *diagnostic.Definition, submitLimit int) int {
	return submitLimit * stepsPerSubmission * stepCount(def)
}

// CountStep counts one visitor reaching one step of the diagnostic.
//
// A beacon cannot carry the form's CSRF token (the page is served from
// memory, the same to everyone, and the embedded form has no cookie), and
// needs none: it changes nothing of anyone's but a count. What a token
// would stop, another site making its visitors' browsers count steps for
// us (each from its own address, so past the address limit), is stopped
// by the browser's own word on where the request comes from:
// Sec-Fetch-Site must be same-origin and Origin our own. The embedded
// diagnostic's frame holds our page, so its beacons are same-origin too,
// and the embedding sites themselves need not be let in. A request with
// neither header comes from an old browser or from a program, which could
// write any header it liked: it is let through, and the address limit
// caps it as it caps everything else.
//
// Floods from one address stop at stepLimitPerMinute a minute (429, not
// counted). On PostgreSQL that check is one statement per beacon (an
// upsert on rate_limits' primary key, as for submissions); on SQLite it is
// counted in memory. Counting the step itself is an add in memory. The
// limit keys the address by a keyed hash (stepClient), so not even the
// limit's table, which forgets each minute after the next, holds it.
func (h *Handlers) CountStep(c echo.Context) error {
	req := c.Request()
	if !sameOriginBeacon(req, h.origin()) {
		return c.String(http.StatusForbidden, "Steps are counted from this site's own pages only.\n")
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); mt != beaconContentType {
		return c.String(http.StatusUnsupportedMediaType, "Send the step as a form (version and step).\n")
	}
	version, step := c.FormValue("version"), c.FormValue("step")
	if version != h.Diagnostic.Version {
		return c.String(http.StatusBadRequest, "Unknown diagnostic version.\n")
	}
	n, err := strconv.Atoi(step)
	if err != nil || n < 1 || n > stepCount(h.Diagnostic) {
		return c.String(http.StatusBadRequest, "Unknown step.\n")
	}
	wait, ok, err := h.stepLimit.allow(req.Context(), h.stepClient(c.RealIP()), time.Now())
	if err != nil {
		return fmt.Errorf("count the step limit: %w", err)
	}
	if !ok {
		return c.String(tooManyRequests(c, wait), "Too many steps from this address; try again in a minute.\n")
	}
	h.Funnel.Inc(models.DiagnosticStepMetric(version, n))
	return c.NoContent(http.StatusNoContent)
}

// stepClient names a client address for the beacons' limit: the first
// bytes of its HMAC under the site's secret, the same for one address and
// unlike another's, but not the address.
func (h *Handlers) stepClient(addr string) string {
	m := hmac.New(sha256.New, h.Secret)
	m.Write([]byte("steps " + addr))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// sameOriginBeacon reports whether the browser says req comes from a page
// of origin: Sec-Fetch-Site and Origin, each when sent, must say so.
func sameOriginBeacon(req *http.Request, origin string) bool {
	if site := firstValue(req.Header, "Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if o := firstValue(req.Header, "Origin"); o != "" && !strings.EqualFold(o, origin) {
		return false
	}
	return true
}
