package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/models"
)

// apiPrefix starts every route of the JSON API. Requests under it are
// authenticated by bearer tokens only, never by the session cookie, and
// their errors are problem documents rather than pages.
const apiPrefix = "/api/"

const tokenContextKey = "api_token"

// isAPI reports whether path is the JSON API's.
func isAPI(path string) bool { return strings.HasPrefix(path, apiPrefix) }

// limitAPI is the rate limit's purpose for API requests, counted per token.
const limitAPI = "api"

// problemType is every problem's type: RFC 9457's "about:blank", whose
// title is the status's own; the detail says what went wrong.
const problemType = "about:blank"

// problemJSON is the media type of an error from the API (RFC 9457).
const problemJSON = "application/problem+json"

// invalidParam names one request value that was refused, and why.
type invalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// apiProblem is an error the API answers as a problem document.
type apiProblem struct {
	Status int
	Detail string
	Params []invalidParam
	// challenge is the RFC 6750 error in WWW-Authenticate ("invalid_token",
	// "insufficient_scope"), and scope the scope that was missing.
	challenge, scope string
}

func (p *apiProblem) Error() string { return fmt.Sprintf("%d: %s", p.Status, p.Detail) }

// unprocessable is a 422 naming each refused value.
func unprocessable(params ...invalidParam) *apiProblem {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name + ": " + p.Reason
	}
	return &apiProblem{Status: http.StatusUnprocessableEntity, Detail: strings.Join(names, "; "), Params: params}
}

// problemBody is the JSON of a problem document.
type problemBody struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	InvalidParams []invalidParam `json:"invalid_params,omitempty"`
}

// writeProblem answers an API request that failed, with code and err's
// detail; server faults say only that something failed.
func (h *Handlers) writeProblem(c echo.Context, code int, err error) {
	body := problemBody{Type: problemType, Title: http.StatusText(code), Status: code}
	var p *apiProblem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		body.Detail, body.InvalidParams = p.Detail, p.Params
	case errors.Is(err, models.ErrNotFound):
		body.Detail = "There is no such lead."
	case code < 500 && errors.As(err, &he):
		if msg, ok := he.Message.(string); ok && msg != http.StatusText(code) {
			body.Detail = msg
		}
	}
	if body.Title == "" {
		body.Title = "Error"
	}
	hdr := c.Response().Header()
	if code == http.StatusUnauthorized || (p != nil && p.challenge != "") {
		challenge := `Bearer realm="intake"`
		if p != nil && p.challenge != "" {
			challenge += `, error="` + p.challenge + `"`
		}
		if p != nil && p.scope != "" {
			challenge += `, scope="` + p.scope + `"`
		}
		hdr.Set(echo.HeaderWWWAuthenticate, challenge)
	}
	noStore(c)
	hdr.Set(echo.HeaderContentType, problemJSON)
	c.Response().WriteHeader(code)
	if c.Request().Method != http.MethodHead {
		_ = json.NewEncoder(c.Response()).Encode(body)
	}
}

// requireToken lets an API request through only with a live bearer token
// whose user's role the rule allows and which carries scope. Each token's
// requests are limited per minute, across instances on PostgreSQL. Every
// refusal is counted by reason; the token itself is never logged.
func (h *Handlers) requireToken(rule Access, scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			noStore(c)
			ctx := c.Request().Context()
			raw, reason := bearerToken(c.Request())
			if reason != "" {
				return h.refuseToken(reason)
			}
			now := time.Now()
			tok, err := h.Store.APITokenByToken(ctx, raw, now)
			switch {
			case errors.Is(err, models.ErrTokenMalformed):
				return h.refuseToken("malformed")
			case errors.Is(err, models.ErrNotFound):
				return h.refuseToken("unknown")
			case errors.Is(err, models.ErrTokenExpired):
				return h.refuseToken("expired")
			case errors.Is(err, models.ErrTokenRevoked):
				return h.refuseToken("revoked")
			case err != nil:
				return err
			}
			retry, ok, err := h.apiLimit.allow(ctx, strconv.FormatInt(tok.ID, 10), now)
			if err != nil {
				return err
			}
			if !ok {
				h.Metrics.APIRefused("rate_limited")
				c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(retry))
				return &apiProblem{Status: http.StatusTooManyRequests,
					Detail: fmt.Sprintf("This token has made more than %d requests this minute; try again in %d seconds.", h.APIRateLimit, retry)}
			}
			if !rule.Allows(tok.User.Role) {
				h.Metrics.APIRefused("role")
				return &apiProblem{Status: http.StatusForbidden, Detail: fmt.Sprintf("Tokens of %s users may not use this endpoint.", tok.User.Role)}
			}
			if !tok.HasScope(scope) {
				h.Metrics.APIRefused("scope")
				return &apiProblem{Status: http.StatusForbidden, challenge: "insufficient_scope", scope: scope,
					Detail: fmt.Sprintf("This endpoint needs a token with the %s scope.", scope)}
			}
			c.Set(userContextKey, tok.User)
			c.Set(tokenContextKey, tok)
			return next(c)
		}
	}
}

// refusalDetail says why a token was refused, for each reason counted.
var refusalDetail = map[string]string{
	"missing":   "This endpoint needs an API token: send Authorization: Bearer itk_….",
	"malformed": "The Authorization header does not hold an Intake API token.",
	"unknown":   "The API token is not known.",
	"expired":   "The API token has expired.",
	"revoked":   "The API token has been revoked.",
}

// refuseToken counts a refused token by reason and answers 401.
func (h *Handlers) refuseToken(reason string) error {
	h.Metrics.APIRefused(reason)
	p := &apiProblem{Status: http.StatusUnauthorized, Detail: refusalDetail[reason]}
	if reason != "missing" {
		p.challenge = "invalid_token"
	}
	return p
}

// bearerToken reads the token of "Authorization: Bearer …", or says why
// there is none: "missing" without the header, "malformed" otherwise.
func bearerToken(r *http.Request) (string, string) {
	vals := r.Header.Values(echo.HeaderAuthorization)
	if len(vals) == 0 || (len(vals) == 1 && strings.TrimSpace(vals[0]) == "") {
		return "", "missing"
	}
	scheme, token, ok := strings.Cut(vals[0], " ")
	if len(vals) > 1 || !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", "malformed"
	}
	return token, ""
}

// decodeJSONBody reads a JSON object into v, refusing unknown fields and
// anything after the object, each as a 422 naming it.
func decodeJSONBody(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != echo.MIMEApplicationJSON {
		return &apiProblem{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as application/json."}
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	var tooLarge *http.MaxBytesError
	var he *echo.HTTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge), errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return echo.ErrStatusRequestEntityTooLarge
	case errors.Is(err, io.EOF):
		return unprocessable(invalidParam{"request body", "is empty; send a JSON object"})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return unprocessable(invalidParam{name, "is not a field this endpoint takes"})
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return unprocessable(invalidParam{typeErr.Field, "has the wrong type: want " + typeErr.Type.String()})
	}
	return unprocessable(invalidParam{"request body", "is not a JSON object: " + err.Error()})
}
