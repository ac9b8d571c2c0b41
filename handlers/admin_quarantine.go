package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

type quarantinePage struct {
	adminPage
	Entries []quarantineRow
	Total   int64
	Shown   int
	Days    int
}

type quarantineRow struct {
	ID                    int64
	Received              string
	Reason                string
	Name, Email, Company  string
	Band                  string
	Index                 int
	MarketingOptIn        bool
	ReleaseURL, DeleteURL string
}

// quarantineReasons says in words why a submission was held back.
var quarantineReasons = map[string]string{
	models.QuarantineHoneypot:   "Filled in the hidden field only bots see",
	models.QuarantineTooFast:    "Sent faster than a person could answer",
	models.QuarantineNoToken:    "Form stamp missing or altered",
	models.QuarantineStaleToken: "Form served more than a day before",
	models.QuarantineReused:     "An already sent form, resent with other details",
}

// Quarantine lists the submissions held back as probably automated, newest
// first, with buttons to release or delete each (admins only).
func (h *Handlers) Quarantine(c echo.Context) error {
	noStore(c)
	list, total, err := h.Store.QuarantineList(c.Request().Context())
	if err != nil {
		return err
	}
	page := quarantinePage{adminPage: h.newAdminPage(c, "Quarantine", "/admin/quarantine"), Total: total, Shown: len(list), Days: models.QuarantineDays}
	switch c.QueryParam("notice") {
	case "released":
		page.Notice = "Released: the lead is in the inbox and its emails are on their way."
	case "deleted":
		page.Notice = "Deleted."
	case "gone":
		page.Notice = "That submission was already released or deleted."
	}
	for _, q := range list {
		row := quarantineRow{
			ID: q.ID, Received: q.CreatedAt.UTC().Format("2 Jan 2006 15:04 UTC"), Reason: nameFor(quarantineReasons, q.Reason),
			Name: q.Lead.Name, Email: q.Lead.Email, Company: q.Lead.Company, Index: q.Lead.OverallIndex,
			MarketingOptIn: q.Lead.MarketingOptIn,
			ReleaseURL:     fmt.Sprintf("/admin/quarantine/%d/release", q.ID),
			DeleteURL:      fmt.Sprintf("/admin/quarantine/%d/delete", q.ID),
		}
		if b, ok := h.Diagnostic.Band(q.Lead.Band); ok {
			row.Band = b.Title
		}
		page.Entries = append(page.Entries, row)
	}
	return c.Render(http.StatusOK, "admin/quarantine", page)
}

// ReleaseQuarantined makes a held-back submission a lead and queues its
// emails, in one transaction.
func (h *Handlers) ReleaseQuarantined(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var hooks []models.TxHook
	if h.OnLeadSaved != nil {
		hooks = append(hooks, h.OnLeadSaved)
	}
	u := currentUser(c)
	lead, err := h.Store.ReleaseQuarantined(c.Request().Context(), id, &u.ID, time.Now().UTC(), hooks...)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect(http.StatusSeeOther, "/admin/quarantine?notice=gone")
	}
	if err != nil {
		return err
	}
	h.Funnel.Inc(models.MetricLeads)
	h.Metrics.LeadSaved()
	h.Logger.Info("quarantined submission released", slog.String("id", requestID(c)), slog.Int64("lead", lead.ID))
	return c.Redirect(http.StatusSeeOther, "/admin/quarantine?notice=released")
}

// DeleteQuarantined deletes a held-back submission for good.
func (h *Handlers) DeleteQuarantined(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	err = h.Store.DeleteQuarantined(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect(http.StatusSeeOther, "/admin/quarantine?notice=gone")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/quarantine?notice=deleted")
}
