package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Lead event types. The webhook package names them to endpoints; they are
// defined here because the store is what emits them.
const (
	EventLeadCreated          = "lead.created"
	EventLeadUpdated          = "lead.updated"
	EventLeadConsentWithdrawn = "lead.consent_withdrawn"
	EventLeadErased           = "lead.erased"
)

// LeadEvent is a change to a lead that the firm's other tools may hear of.
// It carries ids and codes, never personal data: receivers get the lead's
// details from its state when the event is delivered.
type LeadEvent struct {
	Type   string
	LeadID int64
	At     time.Time
	// Data is the change itself: lead.updated's changed fields with their
	// new values, lead.consent_withdrawn's purpose; nil for the others.
	Data map[string]any
}

// LeadEventHook runs inside the transaction of a change to a lead, with the
// change's events: whatever it queues commits or rolls back with the change.
type LeadEventHook func(ctx context.Context, tx Tx, events []LeadEvent) error

// OnLeadEvents registers the hook that every change to a lead calls in its
// own transaction: saving a lead or releasing one from quarantine
// (lead.created), changing its status, owner or follow-up date, or its
// team view unlocking (lead.updated), withdrawing a consent (lead.consent_withdrawn), and
// erasing it on request or by retention (lead.erased). The store emits
// them itself so that no caller (a handler, the CLI, the daily upkeep) can
// forget to. Call it once while wiring, before the store is used.
func (s *Store) OnLeadEvents(h LeadEventHook) { s.leadEvents = h }

// emitGORM runs the event hook in a transaction GORM runs.
func (s *Store) emitGORM(tx *gorm.DB, events ...LeadEvent) error {
	if s.leadEvents == nil || len(events) == 0 {
		return nil
	}
	hookTx, err := gormTx(tx)
	if err != nil {
		return fmt.Errorf("lead events: %w", err)
	}
	if err := s.leadEvents(tx.Statement.Context, hookTx, events); err != nil {
		return fmt.Errorf("lead events: %w", err)
	}
	return nil
}

// withLeadCreated adds, after hooks, one that emits lead.created for the
// lead they run for.
func (s *Store) withLeadCreated(hooks []TxHook) []TxHook {
	if s.leadEvents == nil {
		return hooks
	}
	return append(slices.Clip(hooks), func(ctx context.Context, tx Tx, lead *Lead) error {
		err := s.leadEvents(ctx, tx, []LeadEvent{{Type: EventLeadCreated, LeadID: lead.ID, At: time.Now().UTC()}})
		if err != nil {
			return fmt.Errorf("lead events: %w", err)
		}
		return nil
	})
}

// webhookTargetsFresh is how long the list of enabled endpoints is reused
// before it is read again. A change made by this process clears it at
// once; one made by another instance is seen within this time (a disabled
// endpoint's events queued meanwhile are dropped when they come to run).
const webhookTargetsFresh = 5 * time.Second

// endpointCache keeps the enabled endpoints, so a submission does not pay
// a query to learn that there are none, or which they are.
type endpointCache struct {
	mu     sync.Mutex
	list   []WebhookEndpoint
	loaded time.Time
	gen    uint64 // moved on by each change, so a read begun before it is not kept
}

func (c *endpointCache) forget() {
	c.mu.Lock()
	c.loaded, c.list = time.Time{}, nil
	c.gen++
	c.mu.Unlock()
}

// webhookTargetsSQL reads what choosing an event's endpoints needs. The
// text is fixed.
const webhookTargetsSQL = "SELECT id, kind, events FROM webhook_endpoints WHERE disabled_at IS NULL ORDER BY id"

// WebhookTargets lists the enabled endpoints (only ID, Kind and Events
// set), from a list at most a few seconds old, read through tx when it must
// be read again: on the embedded SQLite the transaction holds the one
// connection.
func (s *Store) WebhookTargets(ctx context.Context, tx Tx) ([]WebhookEndpoint, error) {
	c := &s.targets
	c.mu.Lock()
	if !c.loaded.IsZero() && time.Since(c.loaded) < webhookTargetsFresh {
		list := c.list
		c.mu.Unlock()
		return list, nil
	}
	gen := c.gen
	c.mu.Unlock()

	var list []WebhookEndpoint
	scan := func(next func() bool, scan func(...any) error, rowsErr func() error) error {
		for next() {
			var e WebhookEndpoint
			if err := scan(&e.ID, &e.Kind, &e.Events); err != nil {
				return err
			}
			list = append(list, e)
		}
		return rowsErr()
	}
	var err error
	switch {
	case tx.Pgx != nil:
		rows, qerr := tx.Pgx.Query(ctx, webhookTargetsSQL)
		if qerr != nil {
			return nil, fmt.Errorf("webhook targets: %w", qerr)
		}
		err = scan(rows.Next, rows.Scan, rows.Err)
		rows.Close()
	case tx.SQL != nil:
		var rows *sql.Rows
		rows, err = tx.SQL.QueryContext(ctx, webhookTargetsSQL)
		if err != nil {
			return nil, fmt.Errorf("webhook targets: %w", err)
		}
		err = scan(rows.Next, rows.Scan, rows.Err)
		rows.Close()
	default:
		return nil, errors.New("webhook targets: no transaction")
	}
	if err != nil {
		return nil, fmt.Errorf("webhook targets: %w", err)
	}
	c.mu.Lock()
	if c.gen == gen {
		c.list, c.loaded = list, time.Now()
	}
	c.mu.Unlock()
	return list, nil
}

// RecordWebhookAttempt adds an attempt to the delivery log and updates its
// endpoint's last delivery, status and failure streak (a success ends the
// streak; a failure starts one or adds to it), in one transaction. It
// returns the endpoint as it now is. A success that brings the endpoint no
// news leaves its row alone (see endpointNewsSQL).
func (s *Store) RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery) (*WebhookEndpoint, error) {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC()
	}
	d.CreatedAt = d.CreatedAt.UTC()
	if s.pool != nil {
		return s.recordWebhookAttemptPostgres(ctx, d)
	}
	set := map[string]any{"last_delivery_at": d.CreatedAt, "last_status": d.StatusCode, "updated_at": d.CreatedAt}
	if d.Succeeded {
		set["last_error"], set["failing_since"], set["failure_streak"] = "", nil, 0
	} else {
		set["last_error"] = d.Error
		set["failing_since"] = gorm.Expr("COALESCE(failing_since, ?)", d.CreatedAt)
		set["failure_streak"] = gorm.Expr("failure_streak + 1")
	}
	var e WebhookEndpoint
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		err := tx.Model(&WebhookEndpoint{}).Where("id = ?", d.EndpointID).
			Where(endpointNewsGORM, d.Succeeded, d.StatusCode, d.CreatedAt.Add(-endpointQuietFor)).Updates(set).Error
		if err != nil {
			return err
		}
		return tx.Where("id = ?", d.EndpointID).Take(&e).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, gorm.ErrForeignKeyViolated) {
		return nil, ErrNotFound // no such endpoint: nothing logged
	}
	if err != nil {
		return nil, fmt.Errorf("record webhook delivery: %w", err)
	}
	return &e, nil
}

// endpointQuietFor is how long a run of successes leaves the endpoint's
// row alone: the delivery log has every attempt, and the endpoint's last
// delivery, shown to the minute, may lag it by this much.
const endpointQuietFor = time.Second

// endpointNewsSQL picks the attempts that change what the endpoint's row
// says: any failure (its streak moves on), a success that ends a streak or
// brings another status, the first delivery, and a success at least
// endpointQuietFor after the last one written. Every delivery to an
// endpoint would otherwise update its one row, and each would wait for
// the one before to commit: deliveries to one busy receiver went one at a
// time, however many workers there were. Its parameters: $8 the attempt
// succeeded, $6 its status, $14 its time less endpointQuietFor.
const endpointNewsSQL = `(NOT $8 OR failure_streak <> 0 OR failing_since IS NOT NULL OR last_status <> $6
		OR last_delivery_at IS NULL OR last_delivery_at <= $14)`

// endpointNewsGORM is endpointNewsSQL with GORM's placeholders.
const endpointNewsGORM = `(NOT ? OR failure_streak <> 0 OR failing_since IS NOT NULL OR last_status <> ?
		OR last_delivery_at IS NULL OR last_delivery_at <= ?)`

// recordWebhookAttemptSQL is RecordWebhookAttempt in one statement, one
// round trip instead of five: the delivery logged, the endpoint's last
// delivery and failure streak moved on when there is news for it, the
// endpoint read back: as updated, or else as it was (w, which the
// statement sees as it stood before its own update).
var recordWebhookAttemptSQL = `WITH d AS (
	INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, lead_id, attempt, status_code, duration_ms,
		succeeded, response, error, occurred_at, event_data, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id
), e AS (
	UPDATE webhook_endpoints SET last_delivery_at = $13, last_status = $6, updated_at = $13,
		last_error = CASE WHEN $8 THEN '' ELSE $10 END,
		failing_since = CASE WHEN $8 THEN NULL ELSE COALESCE(failing_since, $13) END,
		failure_streak = CASE WHEN $8 THEN 0 ELSE failure_streak + 1 END
	WHERE id = $1 AND ` + endpointNewsSQL + `
	RETURNING ` + strings.Join(endpointColumns, ", ") + `
)
SELECT d.id, ` + newerEndpointColumns() + `
FROM d JOIN webhook_endpoints w ON w.id = $1 LEFT JOIN e ON true`

// endpointColumns are the endpoint's columns in the order
// recordWebhookAttemptPostgres scans them.
var endpointColumns = []string{"id", "url", "kind", "events", "description", "secret", "previous_secret",
	"previous_secret_until", "disabled_at", "disabled_reason", "failing_since", "failure_streak",
	"last_delivery_at", "last_status", "last_error", "created_at", "updated_at"}

// newerEndpointColumns picks each column from the updated row e where
// there is one, else from w.
func newerEndpointColumns() string {
	cols := make([]string, len(endpointColumns))
	for i, c := range endpointColumns {
		cols[i] = "CASE WHEN e.id IS NULL THEN w." + c + " ELSE e." + c + " END"
	}
	return strings.Join(cols, ", ")
}

// recordWebhookAttemptPostgres is RecordWebhookAttempt on PostgreSQL,
// where the delivery workers run under load, through pgx itself.
func (s *Store) recordWebhookAttemptPostgres(ctx context.Context, d *WebhookDelivery) (*WebhookEndpoint, error) {
	e, err := scanEndpoint(s.pool.QueryRow(ctx, recordWebhookAttemptSQL, d.EndpointID, d.EventID, d.EventType, d.LeadID, d.Attempt,
		d.StatusCode, d.DurationMS, d.Succeeded, d.Response, d.Error, d.OccurredAt, d.EventData, d.CreatedAt,
		d.CreatedAt.Add(-endpointQuietFor)), &d.ID)
	var pgErr *pgconn.PgError
	if errors.Is(err, ErrNotFound) || (errors.As(err, &pgErr) && pgErr.Code == "23503") {
		return nil, ErrNotFound // no such endpoint: nothing logged
	}
	if err != nil {
		return nil, fmt.Errorf("record webhook delivery: %w", err)
	}
	return e, nil
}

// endpointByIDSQL reads one endpoint, its columns as scanEndpoint takes them.
var endpointByIDSQL = "SELECT " + strings.Join(endpointColumns, ", ") + " FROM webhook_endpoints WHERE id = $1"

// scanEndpoint reads a row of endpointColumns, after the columns of
// before; ErrNotFound when there is no row.
func scanEndpoint(row pgx.Row, before ...any) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := row.Scan(append(before, &e.ID, &e.URL, &e.Kind, &e.Events, &e.Description, &e.Secret, &e.PreviousSecret,
		&e.PreviousSecretUntil, &e.DisabledAt, &e.DisabledReason, &e.FailingSince, &e.FailureStreak,
		&e.LastDeliveryAt, &e.LastStatus, &e.LastError, &e.CreatedAt, &e.UpdatedAt)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	for _, t := range []**time.Time{&e.PreviousSecretUntil, &e.DisabledAt, &e.FailingSince, &e.LastDeliveryAt} {
		*t = utcPtr(*t)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return &e, nil
}

// WebhookDeliveryData reads what one delivery needs: its endpoint and, when
// leadID is not 0, the lead as LeadForJob reads it. On PostgreSQL both
// queries go in one round trip: each delivery waited for two before. With
// no such endpoint the error is ErrNotFound and both are nil; with the
// endpoint but no such lead it is ErrNotFound with the endpoint.
func (s *Store) WebhookDeliveryData(ctx context.Context, endpointID, leadID int64) (*WebhookEndpoint, *Lead, error) {
	if s.pool == nil {
		ep, err := s.WebhookEndpointByID(ctx, endpointID)
		if err != nil || leadID == 0 {
			return ep, nil, err
		}
		lead, err := s.LeadForJob(ctx, leadID)
		return ep, lead, err
	}
	var (
		ep          *WebhookEndpoint
		lead        *Lead
		epErr, lErr error
		batch       pgx.Batch
	)
	batch.Queue(endpointByIDSQL, endpointID).QueryRow(func(row pgx.Row) error {
		ep, epErr = scanEndpoint(row)
		return nil
	})
	if leadID != 0 {
		batch.Queue(leadForJobSQL, leadID).QueryRow(func(row pgx.Row) error {
			lead, lErr = scanLeadForJob(row)
			return nil
		})
	}
	if err := s.pool.SendBatch(ctx, &batch).Close(); err != nil {
		return nil, nil, fmt.Errorf("read webhook delivery: %w", err)
	}
	switch {
	case errors.Is(epErr, ErrNotFound):
		return nil, nil, ErrNotFound
	case epErr != nil:
		return nil, nil, fmt.Errorf("find webhook endpoint %d: %w", endpointID, epErr)
	}
	return ep, lead, lErr
}

// DisableWebhookEndpointOnce disables an enabled endpoint, saying why, and
// runs then (queuing the admins' email) in the same transaction. It reports
// false, running nothing, when the endpoint was already disabled: of
// several deliveries failing at once, one disables it and tells.
func (s *Store) DisableWebhookEndpointOnce(ctx context.Context, id int64, reason string, at time.Time, then func(context.Context, Tx) error) (bool, error) {
	defer s.targets.forget()
	done := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&WebhookEndpoint{}).Where("id = ? AND disabled_at IS NULL", id).
			Updates(map[string]any{"disabled_at": at.UTC(), "disabled_reason": reason, "updated_at": at.UTC()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		done = true
		if then == nil {
			return nil
		}
		hookTx, err := gormTx(tx)
		if err != nil {
			return err
		}
		return then(ctx, hookTx)
	})
	if err != nil {
		return false, fmt.Errorf("disable webhook endpoint %d: %w", id, err)
	}
	return done, nil
}

// PurgeWebhookDeliveries deletes the delivery log's rows made before
// cutoff and reports how many it deleted.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", cutoff.UTC()).Delete(&WebhookDelivery{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge webhook deliveries: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ActiveAdmins lists the admins who may still sign in, oldest first.
func (s *Store) ActiveAdmins(ctx context.Context) ([]User, error) {
	var out []User
	err := s.db.WithContext(ctx).Where("role = ? AND disabled_at IS NULL", RoleAdmin).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list admins: %w", err)
	}
	return out, nil
}

// ExportContactOf is a lead loaded with LeadByID as an export row holds it,
// with its scores on dims: the same fields, by the same consent rule, as
// ExportContacts reads.
func ExportContactOf(l *Lead, dims []string) ExportContact {
	c := ExportContact{
		ID: l.ID, Email: l.Email, Name: l.Name, Company: l.Company, Role: l.Role, TeamSize: l.TeamSize,
		Band: l.Band, Index: l.OverallIndex, Source: l.Source, Status: l.Status, CreatedAt: l.CreatedAt.UTC(),
		TeamInvited: l.TeamInvited, TeamAnswers: l.TeamAnswers,
	}
	if l.Owner != nil {
		c.OwnerEmail = l.Owner.Email
	}
	scores := l.ScoreMap()
	c.Scores = make([]sql.NullInt64, len(dims))
	for i, d := range dims {
		if v, ok := scores[d]; ok {
			c.Scores[i] = sql.NullInt64{Int64: int64(v), Valid: true}
		}
	}
	if m, ok := l.Consent(PurposeMarketing); ok && m.Granted {
		switch {
		case m.WithdrawnAt != nil: // a consent withdrawn no longer stands
			t := m.WithdrawnAt.UTC()
			c.ConsentWithdrawnAt = &t
		default:
			t := m.DecidedAt.UTC()
			c.ConsentAt, c.ConsentVersion = &t, m.WordingVersion
		}
	}
	return c
}

// InTx runs f in a transaction of its own, for queuing a job that no
// change causes (a test event, a replayed delivery).
func (s *Store) InTx(ctx context.Context, f func(context.Context, Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hookTx, err := gormTx(tx)
		if err != nil {
			return err
		}
		return f(ctx, hookTx)
	})
}
