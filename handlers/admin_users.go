package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

type usersPage struct {
	adminPage
	Users []models.User
	Roles []string
	Form  newUserForm
}

type newUserForm struct {
	Email, Name, Role string
	Errors            map[string]string
	Problem           string // about a change to an existing user
}

// UserList shows every user with forms to add and change them (admins only).
func (h *Handlers) UserList(c echo.Context) error {
	return h.renderUsers(c, http.StatusOK, newUserForm{Role: models.RoleConsultant})
}

func (h *Handlers) renderUsers(c echo.Context, status int, f newUserForm) error {
	users, err := h.Store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.Render(status, "admin/users", usersPage{
		adminPage: h.newAdminPage(c, "Users", "/admin/users"), Users: users, Roles: models.Roles, Form: f,
	})
}

// AddUser creates a user from the form; problems come back next to their fields.
func (h *Handlers) AddUser(c echo.Context) error {
	f := newUserForm{
		Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")),
		Role: c.FormValue("role"), Errors: map[string]string{},
	}
	password := c.FormValue("password")
	if msg := checkEmail(f.Email); f.Email == "" || msg != "" {
		f.Errors["email"] = "Enter the person’s work email, like name@stellapop.com."
	}
	if len([]rune(f.Name)) > 100 {
		f.Errors["name"] = "The name must be 100 characters or fewer."
	}
	if !models.ValidRole(f.Role) {
		f.Errors["role"] = "Choose a role."
	}
	if msg := models.CheckPassword(password); msg != "" {
		f.Errors["password"] = msg
	}
	if len(f.Errors) > 0 {
		return h.renderUsers(c, http.StatusUnprocessableEntity, f)
	}
	_, err := h.Store.CreateUser(c.Request().Context(), f.Email, f.Name, f.Role, password)
	if errors.Is(err, models.ErrEmailTaken) {
		f.Errors["email"] = "There is already a user with this email."
		return h.renderUsers(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?notice=user")
}

// UpdateUser changes one user: role, disabled or not, or password.
func (h *Handlers) UpdateUser(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	u, err := h.Store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	me := currentUser(c)
	problem := func(msg string) error {
		return h.renderUsers(c, http.StatusUnprocessableEntity, newUserForm{Role: models.RoleConsultant, Problem: msg})
	}
	switch c.FormValue("action") {
	case "role":
		role := c.FormValue("role")
		if !models.ValidRole(role) {
			return problem("Choose one of the roles.")
		}
		if u.ID == me.ID && role != models.RoleAdmin {
			return problem("You can’t take away your own admin role; ask another admin.")
		}
		err = h.Store.SetUserRole(ctx, u.ID, role)
	case "disable":
		if u.ID == me.ID {
			return problem("You can’t disable yourself; ask another admin.")
		}
		err = h.Store.SetUserDisabled(ctx, u.ID, true)
	case "enable":
		err = h.Store.SetUserDisabled(ctx, u.ID, false)
	case "password":
		if msg := models.CheckPassword(c.FormValue("password")); msg != "" {
			return problem(u.Email + ": " + msg)
		}
		err = h.Store.SetPassword(ctx, u.ID, c.FormValue("password"))
	default:
		return problem("Unknown change.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?notice=user")
}
