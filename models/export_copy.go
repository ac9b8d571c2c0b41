package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// CanCopyExport reports whether ExportCopy can stream an export: on
// PostgreSQL only. Elsewhere ExportContacts is the way.
func (s *Store) CanCopyExport() bool { return s.dialect == Postgres && s.pool != nil }

// Fields of a row ExportCopy passes on, before the scores. The scores
// follow, one per dimension asked for, then the fields after them.
const (
	CopyID = iota
	CopyEmail
	CopyName
	CopyCompany
	CopyRole
	CopyTeamSize
	CopyBand
	CopyIndex
	copyBeforeScores
)

// Fields after the scores, counted from the first of them.
const (
	CopyConsentAt = iota // RFC 3339 in UTC, or empty
	CopyConsentVersion
	CopyLandingPage
	CopyReferrer
	CopyUTMSource
	CopyUTMMedium
	CopyUTMCampaign
	CopyUTMTerm
	CopyUTMContent
	CopyStatus
	CopyOwnerEmail
	CopyCreatedAt          // RFC 3339 in UTC
	CopyConsentWithdrawnAt // RFC 3339 in UTC, or empty
	CopyTeamInvited
	CopyTeamAnswers
	copyAfterScores
)

// ExportCopy streams the contacts f matches, in id order, with their
// scores on dims, as ExportContacts chooses them, and returns how many it
// passed. Each gets one row's fields as text in the order of the Copy
// constants: numbers in decimal, times already in RFC 3339 and a missing
// value (no team size, score, consent or owner) empty. The slice and its
// strings are valid only during the call: they share the connection's
// read buffer, so a callback that keeps a value must copy it
// (strings.Clone).
//
// It is one COPY (SELECT …) TO STDOUT on a connection of the pool: the
// database formats every value and sends the rows as fast as it reads
// them, where a chunked query through database/sql pays per value, per
// row and per round trip. It is one statement, so also one snapshot. It
// runs on PostgreSQL only (see CanCopyExport).
func (s *Store) ExportCopy(ctx context.Context, f ExportFilter, dims []string, each func(fields []string) error) (int64, error) {
	if !s.CanCopyExport() {
		return 0, errors.New("export copy: PostgreSQL only")
	}
	query, err := exportCopySQL(f, dims)
	if err != nil {
		return 0, err
	}
	suppressed, err := s.SuppressionList(ctx)
	if err != nil {
		return 0, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("export copy: %w", err)
	}
	defer conn.Release()
	r := &copyRows{ctx: ctx, fields: make([]string, 0, copyBeforeScores+len(dims)+copyAfterScores), each: each, suppressed: suppressed}
	r.want = cap(r.fields)
	// A Write that fails makes pgconn close the connection, which the pool
	// then drops: the rest of the rows are never read.
	_, err = conn.Conn().PgConn().CopyTo(ctx, r, query)
	switch {
	case r.err != nil: // the callback's error, or the cancellation it saw
		err = r.err
	case err == nil:
		err = ctx.Err() // cancelled once the last rows were in
	case ctx.Err() != nil:
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		return r.n, fmt.Errorf("export copy: %w", err)
	}
	return r.n, nil
}

// copyRows receives a COPY's rows in PostgreSQL's text format: one row
// per Write, fields split by tabs, \N for NULL, and a backslash before a
// tab, newline, carriage return or backslash within a value.
type copyRows struct {
	ctx        context.Context
	fields     []string
	want       int
	each       func([]string) error
	suppressed *SuppressionList
	n          int64
	err        error
}

func (r *copyRows) Write(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return 0, err
	}
	// The fields point into p, which pgconn reuses once Write returns: they
	// are valid only during the call, as ExportCopy tells its callers, and
	// a row costs no allocation. Copying each row made a million-row
	// export allocate a quarter of a gigabyte, and the heap grow with it.
	line := strings.TrimSuffix(unsafe.String(unsafe.SliceData(p), len(p)), "\n")
	r.fields = r.fields[:0]
	for {
		i := strings.IndexByte(line, '\t')
		field := line
		if i >= 0 {
			field = line[:i]
		}
		switch {
		case field == `\N`:
			field = ""
		case strings.IndexByte(field, '\\') >= 0:
			field = copyUnescape(field)
		}
		r.fields = append(r.fields, field)
		if i < 0 {
			break
		}
		line = line[i+1:]
	}
	if len(r.fields) != r.want {
		r.err = fmt.Errorf("a row of %d fields, want %d", len(r.fields), r.want)
		return 0, r.err
	}
	if r.suppressed.Has(r.fields[CopyEmail]) {
		return len(p), nil // someone who asked to be erased came back: never export them
	}
	if err := r.each(r.fields); err != nil {
		r.err = err
		return 0, err
	}
	r.n++
	return len(p), nil
}

// copyUnescape undoes the text format's backslash escapes.
func copyUnescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'v':
			c = '\v'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// rfc3339SQL formats a timestamptz as Go's time.RFC3339 does in UTC.
const rfc3339SQL = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

// exportCopySQL is the export's one query, with the filter's values as
// literals, since COPY takes no parameters. Every value has been checked
// against an allow-list or format by the caller; the free-text ones
// (campaign, source) and the dimensions go through pgLiteral, which
// escapes them whatever standard_conforming_strings says.
func exportCopySQL(f ExportFilter, dims []string) (string, error) {
	where := []string{"leads.erased_at IS NULL"}
	if !f.AllContacts {
		where = append(where, "leads.marketing_opt_in")
	}
	for _, d := range []struct {
		day, op string
		offset  int
	}{{f.From, ">=", 0}, {f.To, "<", 1}} {
		if d.day == "" {
			continue
		}
		t, err := time.Parse(DayLayout, d.day)
		if err != nil {
			return "", fmt.Errorf("export filter %q: %w", d.day, ErrBadDate)
		}
		where = append(where, "leads.created_at "+d.op+" "+pgLiteral(t.AddDate(0, 0, d.offset).UTC().Format(time.RFC3339))+"::timestamptz")
	}
	for _, eq := range []struct{ col, val string }{
		{"leads.band", f.Band}, {"leads.status", f.Status}, {"leads.utm_campaign", f.Campaign}, {"leads.utm_source", f.Source},
	} {
		if eq.val != "" {
			if strings.IndexByte(eq.val, 0) >= 0 {
				return "", fmt.Errorf("export filter: %s holds a NUL", eq.col)
			}
			where = append(where, eq.col+" = "+pgLiteral(eq.val))
		}
	}
	var b strings.Builder
	b.WriteString("COPY (SELECT leads.id, leads.email, leads.name, leads.company, leads.role, leads.team_size, leads.band, leads.overall_index")
	for i := range dims {
		fmt.Fprintf(&b, ", sc.s%d", i)
	}
	// Consent time and version only while the consent stands, as in
	// ExportContacts.
	fmt.Fprintf(&b, ", "+rfc3339SQL+", CASE WHEN mc.withdrawn_at IS NULL THEN mc.wording_version END",
		"CASE WHEN mc.withdrawn_at IS NULL THEN mc.decided_at END")
	b.WriteString(", leads.landing_page, leads.referrer, leads.utm_source, leads.utm_medium, leads.utm_campaign, leads.utm_term, leads.utm_content, leads.status, users.email")
	fmt.Fprintf(&b, ", "+rfc3339SQL+", "+rfc3339SQL, "leads.created_at", "mc.withdrawn_at")
	b.WriteString(", leads.team_invited, leads.team_answers")
	b.WriteString(" FROM leads LEFT JOIN users ON users.id = leads.owner_id")
	// A marketing consent that was given, withdrawn or not, as in ExportContacts.
	b.WriteString(" LEFT JOIN lead_consents mc ON mc.lead_id = leads.id AND mc.purpose = " + pgLiteral(PurposeMarketing) + " AND mc.granted")
	if len(dims) > 0 {
		// The scores pivoted to one row per lead, looked up per lead by
		// the primary key (lead_id, dimension).
		b.WriteString(" LEFT JOIN LATERAL (SELECT ")
		for i, d := range dims {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "MAX(score) FILTER (WHERE dimension = %s) AS s%d", pgLiteral(d), i)
		}
		b.WriteString(" FROM lead_scores WHERE lead_scores.lead_id = leads.id) sc ON true")
	}
	b.WriteString(" WHERE " + strings.Join(where, " AND ") + " ORDER BY leads.id) TO STDOUT")
	return b.String(), nil
}

// pgLiteral quotes s as a PostgreSQL escape string literal.
func pgLiteral(s string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}
