package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/team"
)

// teamSection is the team part of the result page: how far the team view
// has come, and the form that invites colleagues.
type teamSection struct {
	Available bool // false for a result held for checking: no inviting yet
	Action    string
	CSRF      string
	Emails    string // the addresses kept in the form
	Confirm   bool
	Problems  []string
	Notice    string
	Invited   int64
	Left      int64
	Answers   int64
	Needed    int
	Unlocked  bool
	TeamPath  string
	MaxAtOnce int
}

// confirmLabel is the tick an inviter must give.
const confirmLabel = "These colleagues work with me and I may send them this invitation."

// teamSectionFor is the result page's team section for lead; held is true
// for a quarantined submission, which may not invite until released.
func (h *Handlers) teamSectionFor(ctx context.Context, c echo.Context, lead *models.Lead, held bool) (*teamSection, error) {
	s := &teamSection{
		Available: !held, Action: resultPagePath(lead.Token) + "/team/invite", CSRF: csrfToken(c),
		Needed: team.UnlockAt(h.TeamMinAnswers), TeamPath: resultPagePath(lead.Token) + "/team", MaxAtOnce: team.MaxPerRequest,
		Left: team.MaxPerLead,
	}
	if held {
		return s, nil
	}
	s.Invited, s.Answers = int64(lead.TeamInvited), int64(lead.TeamAnswers)
	s.Left = max(0, team.MaxPerLead-s.Invited)
	s.Unlocked = team.Unlocked(lead.TeamAnswers, h.TeamMinAnswers)
	return s, nil
}

// inviteNotice is what the result page says after invitations were sent;
// the numbers come back in the address of the redirect.
func inviteNotice(c echo.Context) string {
	sent, err1 := strconv.Atoi(c.QueryParam("invited"))
	skipped, err2 := strconv.Atoi(c.QueryParam("skipped"))
	if err1 != nil || err2 != nil || sent < 0 || skipped < 0 || sent > team.MaxPerRequest || skipped > team.MaxPerRequest {
		return ""
	}
	msg := ""
	switch sent {
	case 0:
		msg = "No invitation was sent."
	case 1:
		msg = "Invitation sent to 1 colleague."
	default:
		msg = fmt.Sprintf("Invitations sent to %d colleagues.", sent)
	}
	if skipped > 0 {
		msg += fmt.Sprintf(" %d %s not invited: already invited from this result, or asked us never to email them.", skipped, plural(skipped, "address was", "addresses were"))
	}
	return msg
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// InviteTeam invites the colleagues an inviter lists, one invitation and
// one queued email each, in one transaction. A list with problems comes
// back with every valid address kept and a message per problem.
func (h *Handlers) InviteTeam(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	token := c.Param("token")
	lead, held, err := h.resultLead(ctx, token)
	if err != nil {
		return err
	}
	page := h.resultPageOf(lead, h.storedResult(lead))
	if err := h.addBenchmark(ctx, &page, lead, held); err != nil {
		return err
	}
	sec, err := h.teamSectionFor(ctx, c, lead, held)
	if err != nil {
		return err
	}
	page.Team = sec
	sec.Confirm = c.FormValue("confirm") == "yes"
	sec.Emails = c.FormValue("emails")
	if held {
		sec.Problems = []string{"Inviting colleagues is not available for this result yet. Please try again later."}
		return c.Render(http.StatusConflict, "result", page)
	}
	now := time.Now()
	for _, l := range []struct {
		lim requestLimiter
		key string
	}{{h.inviteClientLimit, c.RealIP()}, {h.inviteLeadLimit, "lead-" + strconv.FormatInt(lead.ID, 10)}} {
		wait, ok, err := l.lim.allow(ctx, l.key, now)
		if err != nil {
			return fmt.Errorf("count the invitation limit: %w", err)
		}
		if !ok {
			sec.Problems = []string{fmt.Sprintf("You have sent invitations many times in the last minute, so we paused it. Your list is kept below: please send it again in %s.", seconds(wait))}
			return c.Render(tooManyRequests(c, wait), "result", page)
		}
	}

	list := team.ParseInvitees(sec.Emails, lead.Email)
	sec.Problems = list.Problems
	sec.Emails = strings.Join(list.Valid, "\n")
	allowed, invited, err := h.Store.InviteeFilter(ctx, lead.ID, list.Valid)
	if err != nil {
		return err
	}
	left := max(0, team.MaxPerLead-invited)
	var send []string
	for i, ok := range allowed {
		if ok {
			send = append(send, list.Valid[i])
		}
	}
	switch {
	case len(list.Valid) == 0 && len(list.Problems) == 0:
		sec.Problems = append(sec.Problems, "Enter at least one colleague’s work email address.")
	case len(list.Valid) > team.MaxPerRequest:
		sec.Problems = append(sec.Problems, fmt.Sprintf("The list has %d addresses: you can invite up to %d at a time (%d left for this result).", len(list.Valid), team.MaxPerRequest, left))
	case int64(len(send)) > left:
		sec.Problems = append(sec.Problems, fmt.Sprintf("You can invite %d more %s from this result (%d in all); the list has %d new addresses.", left, plural(int(left), "colleague", "colleagues"), team.MaxPerLead, len(send)))
	}
	if !sec.Confirm {
		sec.Problems = append(sec.Problems, "Tick the box to confirm: “"+confirmLabel+"”")
	}
	if len(sec.Problems) > 0 {
		return c.Render(http.StatusUnprocessableEntity, "result", page)
	}
	sent := 0
	if len(send) > 0 {
		if sent, err = h.Store.CreateInvitations(ctx, lead.ID, send, now.UTC(), h.OnInvited); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s?invited=%d&skipped=%d#team", resultPagePath(lead.Token), sent, len(list.Valid)-sent))
}
