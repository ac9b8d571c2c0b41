package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/export"
	"github.com/stellapop/intake/models"
)

// exportQuery is a checked request to the export page or a download.
type exportQuery struct {
	filter   models.ExportFilter
	problems []export.Problem
	ignored  string // why a value was set aside, for the page's notice
}

// parseExportQuery parses the query and applies the role rule: only
// admins may export contacts without marketing consent; anyone else who
// asks gets the consented contacts and a notice that says so.
func (h *Handlers) parseExportQuery(c echo.Context) exportQuery {
	var r exportQuery
	r.filter, r.problems = export.ParseFilter(c.QueryParams(), h.Diagnostic)
	if u := currentUser(c); r.filter.AllContacts && (u == nil || u.Role != models.RoleAdmin) {
		r.filter.AllContacts = false
		r.ignored = "Only admins can export contacts who have not opted in to marketing, so this export holds only contacts who opted in and have not withdrawn."
	}
	return r
}

// ExportPage shows the export's filters, how many contacts they match and
// the download links, or why the filters were refused (422), with the
// last exports.
func (h *Handlers) ExportPage(c echo.Context) error {
	return h.renderExportPage(c, h.parseExportQuery(c), "")
}

// ExportCSV downloads the chosen contacts as CSV, streamed chunk by chunk
// so memory stays flat however many match; excel=1 adds a byte-order mark.
func (h *Handlers) ExportCSV(c echo.Context) error {
	return h.download(c, export.CSV)
}

// ExportXLSX downloads the chosen contacts as an Excel workbook.
func (h *Handlers) ExportXLSX(c echo.Context) error {
	return h.download(c, export.XLSX)
}

// download writes an export as an attachment. A refused filter gets the
// page explaining it, with 422, rather than a file.
func (h *Handlers) download(c echo.Context, format export.Format) error {
	r := h.parseExportQuery(c)
	if len(r.problems) > 0 {
		return h.renderExportPage(c, r, "")
	}
	ctx := c.Request().Context()
	if format == export.XLSX {
		n, err := h.Store.CountExport(ctx, r.filter)
		if err != nil {
			return err
		}
		if n > export.MaxXLSXContacts {
			return h.renderExportPage(c, r, export.ErrTooManyForXLSX.Error())
		}
	}
	u := currentUser(c)
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, map[export.Format]string{
		export.CSV:  "text/csv; charset=utf-8",
		export.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}[format])
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="stellapop-contacts-%s.%s"`, time.Now().UTC().Format(time.DateOnly), format))
	noStore(c)
	// A large export outlasts the server's write timeout, which is there
	// for pages; this response may take as long as the rows need.
	_ = http.NewResponseController(res).SetWriteDeadline(time.Time{})

	req := export.Request{Format: format, ExcelBOM: c.QueryParam("excel") == "1", Filter: r.filter, ActorID: &u.ID, Actor: u.Email}
	if format == export.CSV {
		req.AfterChunk = func(int64) error { res.Flush(); return nil }
	}
	n, err := export.Write(ctx, h.Store, h.Diagnostic, res, req)
	if err != nil && !res.Committed {
		res.Header().Del(echo.HeaderContentDisposition)
		return err
	}
	if err != nil {
		// Half a file has gone; the error handler can no longer answer, so
		// the failure is logged here.
		h.Logger.Error("export failed part way", slog.String("id", res.Header().Get(echo.HeaderXRequestID)),
			slog.Int64("rows", n), slog.Any("error", err))
	}
	return nil
}

type exportPage struct {
	adminPage
	Form             exportForm
	Problems         []export.Problem
	Errors           map[string]string // by field, for aria-invalid and the message beside it
	Bands, Statuses  []inboxOption
	IsAdmin          bool
	Counted, None    bool
	One              bool // for "1 contact matches"
	Count            string
	CSVURL, ExcelURL string
	XLSXURL          string // empty when more contacts match than a worksheet holds
	Columns          []string
	Recent           []exportLogRow
}

// exportForm is the form as it was sent, refused values included, so the
// person can see and correct them.
type exportForm struct {
	From, To, Campaign, Source string
	AllContacts                bool
}

type exportLogRow struct {
	When, WhenISO, Actor, Filters, Rows string
}

// renderExportPage shows the page for r; problem, if set, is one more
// reason a download was refused.
func (h *Handlers) renderExportPage(c echo.Context, r exportQuery, problem string) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	p := exportPage{
		adminPage: h.newAdminPage(c, "Export contacts", "/admin/export"),
		Problems:  r.problems, Errors: map[string]string{},
		IsAdmin: u != nil && u.Role == models.RoleAdmin, Columns: export.Header(h.Diagnostic),
	}
	q := c.QueryParams()
	p.Form = exportForm{From: inboxText(q.Get("from"), 40), To: inboxText(q.Get("to"), 40),
		Campaign: inboxText(q.Get("campaign"), 200), Source: inboxText(q.Get("source"), 200), AllContacts: r.filter.AllContacts}
	p.Notice = r.ignored
	if problem != "" {
		p.Problems = append(p.Problems, export.Problem{Message: problem})
	}
	for _, pr := range p.Problems {
		if pr.Field != "" && p.Errors[pr.Field] == "" {
			p.Errors[pr.Field] = pr.Message
		}
	}
	for _, b := range h.Diagnostic.Bands {
		p.Bands = append(p.Bands, inboxOption{b.ID, b.Title, b.ID == r.filter.Band})
	}
	for _, s := range models.Statuses {
		p.Statuses = append(p.Statuses, inboxOption{s, inboxStatusLabel(s), s == r.filter.Status})
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		n, err := h.Store.CountExport(ctx, r.filter)
		if err != nil {
			return err
		}
		p.Counted, p.None, p.One, p.Count = true, n == 0, n == 1, inboxThousands(int(n))
		p.CSVURL = "/admin/export.csv" + export.Query(r.filter, false)
		p.ExcelURL = "/admin/export.csv" + export.Query(r.filter, true)
		if n <= export.MaxXLSXContacts {
			p.XLSXURL = "/admin/export.xlsx" + export.Query(r.filter, false)
		}
	}
	recent, err := h.Store.RecentExports(ctx, 10)
	if err != nil {
		return err
	}
	for _, e := range recent {
		p.Recent = append(p.Recent, exportLogRow{
			When: e.CreatedAt.UTC().Format("2 Jan 2006, 15:04"), WhenISO: e.CreatedAt.UTC().Format(time.RFC3339),
			Actor: e.Actor, Filters: export.Summary(e.Filters), Rows: inboxThousands(int(e.RowCount)),
		})
	}
	return c.Render(status, "admin/export", p)
}
