package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/diagnostic/diagnostictest"
	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// twoInstances starts two portals on one PostgreSQL database, each with its
// own connection pool, as two instances behind a load balancer would be.
func twoInstances(t *testing.T, perMinute int) (*site, *site) {
	t.Helper()
	dbURL := modelstest.DatabaseURL(t)
	var sites [2]*site
	for i := range sites {
		store, err := models.Open(context.Background(), dbURL, t.TempDir(), models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if _, err := store.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		sites[i] = newSiteWith(t, store, func(d *handlers.Deps) { d.SubmitMinDelay = 0; d.SubmitRateLimit = perMinute })
	}
	return sites[0], sites[1]
}

// TestRateLimitsHoldAcrossInstances: a client sending to two instances in
// turn gets one allowance between them, not one from each.
func TestRateLimitsHoldAcrossInstances(t *testing.T) {
	a, b := twoInstances(t, 3)
	// Requests are counted per minute of the clock: start early in one, so
	// that all of them fall in it.
	if into := time.Since(time.Now().Truncate(time.Minute)); into > 45*time.Second {
		time.Sleep(time.Minute - into)
	}
	// A form to be saved is counted in the lead's own statement, any other
	// on its own: both count into one total, whichever instance takes it.
	sites := []*site{a, b}
	steps := []struct {
		valid bool
		want  int
	}{
		{true, http.StatusSeeOther},
		{false, http.StatusUnprocessableEntity},
		{true, http.StatusSeeOther},
	}
	for i, step := range steps {
		s := sites[i%2]
		v := s.validForm(diagnostictest.Value(3))
		if !step.valid {
			v.Set("email", "") // invalid, yet it still counts
		}
		if r := s.post("/diagnostic", v); r.status != step.want {
			t.Fatalf("submission %d = %d, want %d", i+1, r.status, step.want)
		}
	}
	v := b.validForm(diagnostictest.Value(3))
	v.Set("email", "ada@example.com")
	r := b.post("/diagnostic", v)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("fourth submission, to the other instance = %d, want 429", r.status)
	}
	// The count starts again with the next minute: at most 60 s away.
	if wait, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || wait < 1 || wait > 60 {
		t.Errorf("Retry-After %q, want 1 to 60 seconds", r.header.Get("Retry-After"))
	}
	for _, want := range []string{"Please send it again in", `value="ada@example.com"`, `value="Analytical Engines Ltd"`, "checked"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("429 page lacks %q", want)
		}
	}
	if n := a.leadCount(); n != 2 {
		t.Fatalf("%d leads, want the 2 accepted: a refused submission was saved, or an accepted one lost", n)
	}

	// Sign-in has its own allowance, shared the same way.
	for i := range 4 {
		s := sites[i%2]
		r := s.post("/admin/login", url.Values{"_csrf": {s.formToken("/admin/login")}, "email": {"who@example.com"}, "password": {"wrong password"}})
		refused := r.status == http.StatusTooManyRequests && strings.Contains(r.body, "Too many sign-in attempts")
		if refused != (i == 3) {
			t.Fatalf("sign-in %d = %d, want refused only for the fourth", i+1, r.status)
		}
	}
}
