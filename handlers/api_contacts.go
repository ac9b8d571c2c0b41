package handlers

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// contactFormats are the answers GET /api/v1/contacts gives, by media type.
var contactFormats = map[string]export.Format{
	"application/jsonl":    export.JSONL,
	"application/x-ndjson": export.JSONL,
	"text/csv":             export.CSV,
}

// APIContacts streams the export's rows, with the export's filters, as
// JSON Lines, or as CSV when the client accepts only text/csv. Contacts
// who opted in to marketing, unless an admin asks for contacts=all; the
// export is logged as every export is.
func (h *Handlers) APIContacts(c echo.Context) error {
	format, ok := contactFormat(c.Request().Header.Get(echo.HeaderAccept))
	if !ok {
		return &apiProblem{Status: http.StatusNotAcceptable, Detail: "Contacts come as application/jsonl or text/csv."}
	}
	q := c.QueryParams()
	var bad []invalidParam
	for name := range q {
		if name == "excel" || !export.IsParam(name) {
			bad = append(bad, invalidParam{name, "is not a parameter of this endpoint"})
		}
	}
	filter, problems := export.ParseFilter(q, h.Diagnostic)
	for _, p := range problems {
		if p.Field != "" { // an unknown parameter is named above
			bad = append(bad, invalidParam{p.Field, p.Message})
		}
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b invalidParam) int { return strings.Compare(a.Name, b.Name) })
		return unprocessable(bad...)
	}
	u := currentUser(c)
	if filter.AllContacts && u.Role != models.RoleAdmin {
		return &apiProblem{Status: http.StatusForbidden, Detail: "Only an admin's token may export contacts who have not opted in to marketing (contacts=all)."}
	}
	res := c.Response()
	if format == export.CSV {
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		res.Header().Set(echo.HeaderContentType, "application/jsonl")
	}
	noStore(c)
	_ = http.NewResponseController(res).SetWriteDeadline(time.Time{})
	req := export.Request{Format: format, Filter: filter, ActorID: &u.ID, Actor: u.Email,
		AfterChunk: func(int64) error { res.Flush(); return nil }}
	n, err := export.Write(c.Request().Context(), h.Store, h.Diagnostic, res, req)
	if err != nil && !res.Committed {
		return err
	}
	if err != nil {
		h.Logger.Error("export failed part way", slog.String("id", res.Header().Get(echo.HeaderXRequestID)),
			slog.Int64("rows", n), slog.Any("error", err))
		return nil
	}
	if !res.Committed {
		res.WriteHeader(http.StatusOK) // no rows: an empty body
	}
	return nil
}

// contactFormat picks JSON Lines unless Accept asks for CSV (and not for
// JSON Lines); no Accept, or */*, is JSON Lines.
func contactFormat(accept string) (export.Format, bool) {
	if strings.TrimSpace(accept) == "" {
		return export.JSONL, true
	}
	var csv bool
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch f, ok := contactFormats[mt]; {
		case ok && f == export.JSONL, mt == "*/*", mt == "application/*":
			return export.JSONL, true
		case ok:
			csv = true
		case mt == "text/*":
			csv = true
		}
	}
	if csv {
		return export.CSV, true
	}
	return "", false
}
