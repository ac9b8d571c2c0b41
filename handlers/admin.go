package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

// adminPage is what every workspace page shows around its content.
type adminPage struct {
	Meta   views.Meta
	User   *models.User
	Nav    []navItem
	CSRF   string
	Notice string
}

type navItem struct {
	Label, Href string
	Current     bool
}

// workspaceNav lists the sections a role may open.
var workspaceNav = []struct {
	label, href string
	access      Access
}{
	{"Dashboard", "/admin", staff},
	{"Leads", "/admin/leads", staff},
	{"Insights", "/admin/insights", reporters},
	{"Export", "/admin/export", exporters},
	{"Quarantine", "/admin/quarantine", admins},
	{"Users", "/admin/users", admins},
	{"Integrations", "/admin/integrations", admins},
	{"API tokens", "/admin/tokens", staff},
}

// notices are the confirmations a redirect after a change may show; the
// query names one, so no text from a link reaches the page.
var notices = map[string]string{
	"status":              "Status changed.",
	"owner":               "Owner changed.",
	"follow-up":           "Follow-up date saved.",
	"note":                "Note added.",
	"resend":              "The email is queued to be sent again.",
	"user":                "User saved.",
	"webhook-added":       "Endpoint added. Deliveries start with the next event it subscribes to.",
	"webhook-saved":       "Endpoint saved.",
	"webhook-disabled":    "Endpoint disabled: no more events go to it until it is enabled.",
	"webhook-enabled":     "Endpoint enabled: events go to it again.",
	"webhook-rotated":     "The endpoint has a new signing secret.",
	"webhook-no-secret":   "A Slack endpoint has no signing secret: Slack checks no signature, and its address is the secret. To change it, make a new incoming webhook in Slack and save its address below.",
	"webhook-test":        "A test event is on its way: it appears in the delivery log below.",
	"webhook-resent":      "The delivery is queued to be sent again, with its original webhook-id.",
	"webhook-unavailable": "Sending is unavailable on this instance: it was started without webhook delivery.",
	"token-added":         "Token made. Copy it now: it is not shown again.",
	"token-revoked":       "Token revoked: requests with it are refused from now on.",
	"signedout":           "You are signed out.",
	"stale":               "Someone else changed this lead while you had it open, so your change was not saved. Here is the lead as it is now: please make your change again.",
}

// newAdminPage fills the frame of a workspace page.
func (h *Handlers) newAdminPage(c echo.Context, title, current string) adminPage {
	u := currentUser(c)
	p := adminPage{Meta: views.Meta{Title: title, NoIndex: true}, User: u, CSRF: csrfToken(c), Notice: notices[c.QueryParam("notice")]}
	for _, n := range workspaceNav {
		if u != nil && n.access.Allows(u.Role) {
			p.Nav = append(p.Nav, navItem{Label: n.label, Href: n.href, Current: n.href == current})
		}
	}
	return p
}
