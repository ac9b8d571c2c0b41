package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

type tokensPage struct {
	adminPage
	IsAdmin  bool
	NewToken string // the token just made, shown once
	Tokens   []tokenRow
	Scopes   []scopeOption
	Form     tokenForm
	Days     []int // the expiry choices, in days
}

type tokenRow struct {
	ID                    int64
	Name, Owner, Scopes   string
	Expires, ExpiresISO   string
	LastUsed, LastUsedISO string
	State                 string // active, expired or revoked
	Revocable             bool
	RevokeLabel           string
}

type scopeOption struct {
	ID, Value, Label string // ID: the value fit for an element id
	Checked          bool
}

// tokenForm is the make-a-token form as sent, kept when it comes back.
type tokenForm struct {
	Name   string
	Days   int
	Errors map[string]string
}

// tokenExpiryDays are the lifetimes the page offers; 90 is the default.
var tokenExpiryDays = []int{7, 30, 90, 180, 365}

// scopeLabels say what each scope lets a token do.
var scopeLabels = map[string]string{
	models.ScopeLeadsRead:    "leads:read — list leads and read them",
	models.ScopeLeadsWrite:   "leads:write — change a lead’s status, owner and follow-up, add notes",
	models.ScopeContactsRead: "contacts:read — take away consented contacts",
}

// scopesFor lists the scopes that open at least one API route to role,
// read from the route table, so the page offers nothing the role's
// tokens could never use.
func scopesFor(role string) []string {
	var out []string
	for _, s := range models.Scopes {
		for _, r := range RouteTable() {
			if r.Scope == s && r.Access.Allows(role) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// TokenList shows the user's API tokens (an admin's: everyone's), the
// form to make one, and a token just made, once.
func (h *Handlers) TokenList(c echo.Context) error {
	return h.renderTokens(c, http.StatusOK, tokenForm{Days: 90}, nil)
}

func (h *Handlers) renderTokens(c echo.Context, status int, f tokenForm, checked []string) error {
	u := currentUser(c)
	isAdmin := u.Role == models.RoleAdmin
	var owner int64
	if !isAdmin {
		owner = u.ID
	}
	toks, err := h.Store.APITokens(c.Request().Context(), owner)
	if err != nil {
		return err
	}
	p := tokensPage{adminPage: h.newAdminPage(c, "API tokens", "/admin/tokens"), IsAdmin: isAdmin, Form: f, Days: tokenExpiryDays}
	if len(f.Errors) > 0 {
		p.Meta.Title = "Error: " + p.Meta.Title
	}
	if status == http.StatusOK {
		// The token just made is the user's newest; an admin's list holds
		// everyone's, and another user may have made one since.
		for _, t := range toks {
			if t.UserID == u.ID {
				p.NewToken = h.tokenFlash.take(c, t.ID)
				break
			}
		}
	}
	now := time.Now()
	for _, t := range toks {
		row := tokenRow{ID: t.ID, Name: t.Name, Scopes: strings.ReplaceAll(t.Scopes, ",", ", "),
			Expires: t.ExpiresAt.UTC().Format("2 Jan 2006"), ExpiresISO: t.ExpiresAt.UTC().Format(time.RFC3339),
			LastUsed: "Never", State: "active"}
		if row.Name == "" {
			row.Name = "Unnamed"
		}
		if t.User != nil {
			row.Owner = t.User.Email
		}
		if t.LastUsedAt != nil {
			row.LastUsed, row.LastUsedISO = t.LastUsedAt.UTC().Format("2 Jan 2006, 15:04"), t.LastUsedAt.UTC().Format(time.RFC3339)
		}
		switch {
		case t.RevokedAt != nil:
			row.State = "revoked"
		case !now.Before(t.ExpiresAt):
			row.State = "expired"
		default:
			row.Revocable = true
			row.RevokeLabel = "Revoke " + row.Name
			if isAdmin && t.UserID != u.ID {
				row.RevokeLabel += " of " + row.Owner
			}
		}
		p.Tokens = append(p.Tokens, row)
	}
	for _, s := range scopesFor(u.Role) {
		p.Scopes = append(p.Scopes, scopeOption{ID: "scope-" + strings.ReplaceAll(s, ":", "-"), Value: s, Label: scopeLabels[s], Checked: slices.Contains(checked, s)})
	}
	return c.Render(status, "admin/tokens", p)
}

// AddToken makes a token for the signed-in user; it is shown once, on the
// page the form redirects to.
func (h *Handlers) AddToken(c echo.Context) error {
	u := currentUser(c)
	form, err := c.FormParams()
	if err != nil {
		return echo.ErrBadRequest
	}
	f := tokenForm{Name: strings.TrimSpace(form.Get("name")), Errors: map[string]string{}}
	scopes := form["scope"]
	allowed := scopesFor(u.Role)
	if len(scopes) == 0 {
		f.Errors["scope"] = "Choose at least one scope."
	}
	for _, s := range scopes {
		if !slices.Contains(allowed, s) {
			f.Errors["scope"] = "Choose from the scopes listed."
		}
	}
	f.Days, err = strconv.Atoi(form.Get("days"))
	if err != nil || !slices.Contains(tokenExpiryDays, f.Days) {
		f.Errors["days"] = "Choose when the token expires."
		f.Days = 90
	}
	if len([]rune(f.Name)) > 100 {
		f.Errors["name"] = "The name must be 100 characters or fewer."
	}
	if len(f.Errors) > 0 {
		return h.renderTokens(c, http.StatusUnprocessableEntity, f, scopes)
	}
	t, secret, err := h.Store.CreateAPIToken(c.Request().Context(), u.ID, f.Name, scopes, time.Duration(f.Days)*24*time.Hour)
	if err != nil {
		return err
	}
	h.tokenFlash.set(c, t.ID, secret)
	return c.Redirect(http.StatusSeeOther, "/admin/tokens?notice=token-added")
}

// RevokeToken revokes one of the user's tokens; an admin may revoke anyone's.
func (h *Handlers) RevokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	u := currentUser(c)
	owner := u.ID
	if u.Role == models.RoleAdmin {
		owner = 0
	}
	err = h.Store.RevokeAPIToken(c.Request().Context(), id, owner)
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/tokens?notice=token-revoked")
}
