package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// exportColumns are what a chunk reads, in the order exportScan expects.
// The consent join keeps a marketing consent that was given, withdrawn or
// not; exportScan shows its time and version only while it stands, so a
// withdrawn one shows only when it was withdrawn, even in an all-contacts
// export.
const exportColumns = `leads.id, leads.email, leads.name, leads.company, leads.role, leads.team_size,
	leads.band, leads.overall_index, leads.landing_page, leads.referrer, leads.utm_source, leads.utm_medium,
	leads.utm_campaign, leads.utm_term, leads.utm_content, leads.status, leads.created_at,
	users.email, mc.decided_at, mc.wording_version, mc.withdrawn_at, leads.team_invited, leads.team_answers`

// ExportContacts calls each with the contacts f matches, in id order, a
// chunk of up to chunk (0: ExportChunkSize) at a time, with their scores
// on dims, and returns how many it passed. Chunks are read by keyset on
// id, so the millionth contact costs what the first does, and memory holds
// two chunks (one read, one written) however many match. The slice is
// reused for a later chunk: each must not keep it. It is not a snapshot: a lead changed during a long export is written
// as its chunk found it, and still exactly once.
func (s *Store) ExportContacts(ctx context.Context, f ExportFilter, dims []string, chunk int, each func([]ExportContact) error) (int64, error) {
	if chunk <= 0 {
		chunk = ExportChunkSize
	}
	if _, err := s.exportWhere(ctx, f); err != nil {
		return 0, err
	}
	// The suppression list holds the addresses of leads erased on request:
	// few, so it is read once rather than per chunk.
	suppressed, err := s.SuppressionList(ctx)
	if err != nil {
		return 0, err
	}
	x := &exporter{s: s, f: f, dims: dims, chunk: chunk, suppressed: suppressed, ids: make([]int64, 0, chunk)}
	// One column per dimension, pivoted in SQL, so a chunk's scores come
	// back as one row per lead rather than one per score. The ids go in as
	// arguments; the text is fixed.
	x.scoreCols = "lead_id"
	for _, d := range dims {
		x.scoreCols += ", MAX(CASE WHEN dimension = ? THEN score END)"
		x.scoreArgs = append(x.scoreArgs, d)
	}
	x.dest = make([]any, 1+len(dims))
	x.scores = make([]sql.NullInt64, len(dims))
	x.dest[0] = &x.scoreID
	for i := range x.scores {
		x.dest[i+1] = &x.scores[i]
	}
	n, err := x.run(ctx, each)
	if err != nil && ctx.Err() != nil {
		// SQLite reports a query stopped by cancellation as "interrupted";
		// callers need to know it was the cancellation.
		return n, fmt.Errorf("export contacts: %w", ctx.Err())
	}
	return n, err
}

// run reads chunks in a goroutine of its own while each writes the one
// before: the database and the writer work at once instead of in turn.
// Two buffers take turns, so memory still holds two chunks at most. run
// returns only once the reader has stopped, so no query outlives it.
func (x *exporter) run(ctx context.Context, each func([]ExportContact) error) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	var reader sync.WaitGroup
	defer func() { cancel(); reader.Wait() }()
	type chunk struct {
		buf []ExportContact
		err error
	}
	read := make(chan chunk)
	free := make(chan []ExportContact, 2)
	free <- make([]ExportContact, 0, x.chunk)
	free <- make([]ExportContact, 0, x.chunk)
	reader.Go(func() {
		defer close(read)
		var after int64
		for more := true; more; {
			var buf []ExportContact
			select {
			case buf = <-free:
			case <-ctx.Done():
				return
			}
			var err error
			buf, after, more, err = x.readChunk(ctx, after, buf)
			select {
			case read <- chunk{buf, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	})
	var total int64
	for c := range read {
		if c.err != nil {
			return total, c.err
		}
		if len(c.buf) > 0 {
			if err := each(c.buf); err != nil {
				return total, err
			}
			total += int64(len(c.buf))
		}
		free <- c.buf
	}
	return total, ctx.Err()
}

// exporter holds what an export reuses from chunk to chunk, so that memory
// stays flat.
type exporter struct {
	s          *Store
	f          ExportFilter
	dims       []string
	chunk      int
	suppressed *SuppressionList // addresses never to export
	scoreCols  string
	scoreArgs  []any
	ids        []int64
	scoreID    int64
	scores     []sql.NullInt64
	dest       []any // &scoreID, then &scores[i]
}

// readChunk reads the chunk after the id after into buf, drops suppressed
// addresses, then reads the scores. It returns the id to read on from and
// whether there may be more. The rows are closed before the scores are
// read: SQLite has one connection, and holding it would leave the second
// query waiting forever.
func (x *exporter) readChunk(ctx context.Context, after int64, buf []ExportContact) (_ []ExportContact, last int64, more bool, _ error) {
	where, err := x.s.exportWhere(ctx, x.f)
	if err != nil {
		return nil, 0, false, err
	}
	rows, err := where.Select(exportColumns).
		Joins("LEFT JOIN users ON users.id = leads.owner_id").
		// The join repeats the keyset bound: PostgreSQL does not carry it
		// across, and would otherwise merge-join every consent from the
		// first, making each chunk slower than the last.
		Joins("LEFT JOIN lead_consents mc ON mc.lead_id = leads.id AND mc.lead_id > ? AND mc.purpose = ? AND mc.granted = ?",
			after, PurposeMarketing, true).
		Where("leads.id > ?", after).Order("leads.id").Limit(x.chunk).Rows()
	if err != nil {
		return nil, 0, false, fmt.Errorf("export contacts: %w", err)
	}
	buf, n := buf[:0], 0
	for rows.Next() {
		buf = buf[:len(buf)+1]
		c := &buf[len(buf)-1]
		if err := exportScan(rows, c, len(x.dims)); err != nil {
			rows.Close()
			return nil, 0, false, fmt.Errorf("export contacts: %w", err)
		}
		n, last = n+1, c.ID
		if x.suppressed.Has(c.Email) {
			buf = buf[:len(buf)-1] // someone who asked to be erased came back: never export them
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, 0, false, fmt.Errorf("export contacts: %w", err)
	}
	if len(buf) > 0 && len(x.dims) > 0 {
		err = x.readScores(ctx, buf)
	}
	return buf, last, n == x.chunk, err
}

// exportScan reads one row into c, reusing c's score slice.
func exportScan(rows *sql.Rows, c *ExportContact, dims int) error {
	var (
		team           sql.NullInt64
		owner, version sql.NullString
		consentAt      sql.NullTime
		withdrawnAt    sql.NullTime
		src            = &c.Source
	)
	err := rows.Scan(&c.ID, &c.Email, &c.Name, &c.Company, &c.Role, &team, &c.Band, &c.Index,
		&src.LandingPage, &src.Referrer, &src.UTMSource, &src.UTMMedium, &src.UTMCampaign, &src.UTMTerm, &src.UTMContent,
		&c.Status, &c.CreatedAt, &owner, &consentAt, &version, &withdrawnAt, &c.TeamInvited, &c.TeamAnswers)
	if err != nil {
		return err
	}
	c.Scores = slices.Grow(c.Scores[:0], dims)[:dims]
	clear(c.Scores)
	c.TeamSize, c.ConsentAt, c.ConsentWithdrawnAt = nil, nil, nil
	if team.Valid {
		n := int(team.Int64)
		c.TeamSize = &n
	}
	c.OwnerEmail, c.ConsentVersion = owner.String, version.String
	switch {
	case withdrawnAt.Valid: // a consent withdrawn no longer stands
		t := withdrawnAt.Time.UTC()
		c.ConsentWithdrawnAt, c.ConsentVersion = &t, ""
	case consentAt.Valid:
		t := consentAt.Time.UTC()
		c.ConsentAt = &t
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return nil
}

// readScores reads the scores of buf in one query. Both lists run in id
// order, so one pass pairs them.
func (x *exporter) readScores(ctx context.Context, buf []ExportContact) error {
	x.ids = x.ids[:0]
	for i := range buf {
		x.ids = append(x.ids, buf[i].ID)
	}
	rows, err := x.s.db.WithContext(ctx).Model(&Score{}).Select(x.scoreCols, x.scoreArgs...).
		Where("lead_id IN ?", x.ids).Group("lead_id").Order("lead_id").Rows()
	if err != nil {
		return fmt.Errorf("export scores: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		if err := rows.Scan(x.dest...); err != nil {
			return fmt.Errorf("export scores: %w", err)
		}
		for i < len(buf) && buf[i].ID < x.scoreID {
			i++
		}
		if i < len(buf) && buf[i].ID == x.scoreID {
			copy(buf[i].Scores, x.scores)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export scores: %w", err)
	}
	return nil
}
