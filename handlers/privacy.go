package handlers

import (
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/diagnostic"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
	"github.com/stellapop/intake/views"
)

// PrivacyPath is the privacy page, linked from the diagnostic and emails.
const PrivacyPath = "/privacy"

type privacyPage struct {
	Meta           views.Meta
	RetentionDays  int
	RetentionAbout string // the same period in rough words: "about two years"
	ConsentVersion string
	Purposes       []diagnostic.Purpose
	TeamUnlockAt   int // answers a team view opens at
	InviteDays     int // how long an invitation link works
}

// Privacy tells visitors, in plain words, what the diagnostic keeps about
// them, why, for how long, who sees it and how to change their mind. The
// period and the consent wording come from the running configuration, so
// the page cannot drift from what the code does.
func (h *Handlers) Privacy(c echo.Context) error {
	days := h.RetentionDays
	if days <= 0 {
		days = models.DefaultRetentionDays
	}
	return c.Render(http.StatusOK, "privacy", privacyPage{
		Meta: views.Meta{
			Title:       "Privacy: how we use your details — StellaPop",
			Description: "What StellaPop keeps when you take the diagnostic, why, for how long, who sees it, and how to get a copy or have it erased.",
			Canonical:   h.absURL(PrivacyPath),
		},
		RetentionDays:  days,
		RetentionAbout: aboutDuration(days),
		ConsentVersion: h.Consent.Version,
		Purposes:       h.Consent.Purposes,
		TeamUnlockAt:   team.UnlockAt(h.TeamMinAnswers),
		InviteDays:     int(models.InviteTTL.Hours() / 24),
	})
}

var smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}

// aboutDuration says a number of days roughly, as people say it: "about a
// month", "about six months", "about two years".
func aboutDuration(days int) string {
	word := func(n int, unit string) string {
		if n == 1 {
			return "about a " + unit
		}
		s := strconv.Itoa(n)
		if n < len(smallNumbers) {
			s = smallNumbers[n]
		}
		return "about " + s + " " + unit + "s"
	}
	if days < 365 {
		return word(max(1, int(math.Round(float64(days)/30.44))), "month")
	}
	return word(int(math.Round(float64(days)/365.25)), "year")
}
