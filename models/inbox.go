package models

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// InboxSort is an order the inbox lists leads in.
type InboxSort string

// The inbox's sorts; ties are broken by id in the same direction.
const (
	InboxNewest    InboxSort = "newest"
	InboxOldest    InboxSort = "oldest"
	InboxIndexHigh InboxSort = "index_high"
	InboxIndexLow  InboxSort = "index_low"
)

// InboxSorts lists every sort, the default first.
var InboxSorts = []InboxSort{InboxNewest, InboxOldest, InboxIndexHigh, InboxIndexLow}

// inboxOrders holds the only ORDER BY and keyset conditions the inbox runs:
// a sort picks one, so no request text ever reaches SQL. Both columns go in
// one direction, so a row comparison finds "after the cursor" and the
// (key, id) indexes serve it.
var inboxOrders = map[InboxSort]inboxOrder{
	InboxNewest:    {"created_at DESC, id DESC", "(created_at, id) < (?, ?)", false},
	InboxOldest:    {"created_at ASC, id ASC", "(created_at, id) > (?, ?)", false},
	InboxIndexHigh: {"overall_index DESC, id DESC", "(overall_index, id) < (?, ?)", true},
	InboxIndexLow:  {"overall_index ASC, id ASC", "(overall_index, id) > (?, ?)", true},
}

type inboxOrder struct {
	orderBy, after string
	byIndex        bool // keyed on overall_index rather than created_at
}

// afterCursor limits q to the rows after the cursor c in this order.
func (o inboxOrder) afterCursor(q *gorm.DB, c *InboxCursor) *gorm.DB {
	var key any = c.CreatedAt.UTC()
	if o.byIndex {
		key = c.Index
	}
	return q.Where(o.after, key, c.ID)
}

// resolve fills f's default sort and returns its order and how far its
// count goes.
func (f *InboxFilter) resolve() (inboxOrder, int, error) {
	if f.Sort == "" {
		f.Sort = InboxNewest
	}
	order, ok := inboxOrders[f.Sort]
	if !ok {
		return inboxOrder{}, 0, fmt.Errorf("unknown sort %q", f.Sort)
	}
	limit := f.CountLimit
	if limit <= 0 {
		limit = InboxCountLimit
		if f.Search != "" {
			// Every counted search match is rechecked against the text, so
			// a broad search stops counting sooner: "1,000+" says enough.
			limit = InboxSearchCountLimit
		}
	}
	return order, limit, nil
}

// Valid reports whether s is one of InboxSorts.
func (s InboxSort) Valid() bool {
	_, ok := inboxOrders[s]
	return ok
}

// Inbox sizes.
const (
	InboxPageSize   = 25     // leads per page
	InboxCountLimit = 10_000 // counts stop here, so a count stays fast on a million leads
	// InboxSearchCountLimit caps counts of searches, which cost more per row.
	InboxSearchCountLimit = 1_000
)

// searchExpr must stay exactly the expression leads_search_idx indexes, or
// PostgreSQL cannot use the trigram index.
const searchExpr = "(lower(name) || ' ' || lower(email) || ' ' || lower(company))"

// inboxSearch is the search condition per dialect: backslash is LIKE's
// escape by default on PostgreSQL, but SQLite needs to be told.
var inboxSearch = map[string]string{
	Postgres: searchExpr + " LIKE ?",
	SQLite:   searchExpr + ` LIKE ? ESCAPE '\'`,
}

// inboxMarketing matches the partial index leads_marketing_created_idx as
// each dialect wrote it, so the planner can use it.
var inboxMarketing = map[string]string{
	Postgres: "marketing_opt_in",
	SQLite:   "marketing_opt_in = 1",
}

// likeEscaper makes %, _ and \ in a search match themselves, not anything.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// InboxFilter is a valid inbox query: the caller has checked every value
// against its allow-list. Zero fields do not filter.
type InboxFilter struct {
	Search        string    // a substring of name, email or company, matched literally and ignoring case
	Status        string    // one of Statuses
	Band          string    // a band id of the diagnostic
	CreatedFrom   time.Time // created at or after this instant
	CreatedBefore time.Time // created before this instant
	Campaign      string    // utm_campaign, exactly
	Source        string    // utm_source, exactly
	MarketingOnly bool      // only leads whose marketing consent stands
	// TeamInvited keeps only leads with a team view: at least one
	// colleague invited. TeamAnswersAtLeast, when above zero, keeps only
	// those with that many colleagues' answers in (an unlocked view).
	TeamInvited        bool
	TeamAnswersAtLeast int
	Sort               InboxSort    // empty means InboxNewest
	After              *InboxCursor // the previous page's Next; nil for the first page
	PageSize           int          // 0 means InboxPageSize
	CountLimit         int          // 0 means InboxCountLimit
	NoCount            bool         // leave Total at zero: the API pages without a count
}

// InboxPage is one page of the inbox.
type InboxPage struct {
	Leads       []Lead       // with Owner loaded
	Start       int          // the position of Leads[0] among all matches, from 1
	Total       int          // how many leads match, counted up to the filter's CountLimit
	TotalCapped bool         // more than CountLimit match, so Total is the limit
	Next        *InboxCursor // where the next page starts; nil on the last page
}

// InboxCursor marks the last lead of a page, so the next page starts right
// after it: keyset pagination, so a deep page costs what the first does.
type InboxCursor struct {
	Sort      InboxSort
	CreatedAt time.Time // the key of the newest and oldest sorts
	Index     int       // the key of the index sorts
	ID        int64     // breaks ties
	Shown     int       // leads on earlier pages, only to number the rows
}

// maxShown bounds a cursor's count of earlier rows, so that a forged one
// cannot overflow the numbering.
const maxShown = 1 << 40

// ErrBadCursor means a cursor token was not made by InboxCursor.Token, or
// was made for another sort.
var ErrBadCursor = errors.New("malformed inbox cursor")

// Token encodes the cursor for a link; callers treat it as opaque.
func (c InboxCursor) Token() string {
	key := strconv.FormatInt(c.CreatedAt.UnixNano(), 10)
	if inboxOrders[c.Sort].byIndex {
		key = strconv.Itoa(c.Index)
	}
	raw := fmt.Sprintf("%s.%s.%d.%d", c.Sort, key, c.ID, c.Shown)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseInboxCursor decodes a token made by InboxCursor.Token, or returns
// ErrBadCursor.
func ParseInboxCursor(token string) (InboxCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) > 80 {
		return InboxCursor{}, ErrBadCursor
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 4 {
		return InboxCursor{}, ErrBadCursor
	}
	c := InboxCursor{Sort: InboxSort(parts[0])}
	key, errKey := strconv.ParseInt(parts[1], 10, 64)
	id, errID := strconv.ParseInt(parts[2], 10, 64)
	shown, errShown := strconv.Atoi(parts[3])
	if !c.Sort.Valid() || errKey != nil || errID != nil || errShown != nil || id <= 0 || shown < 0 || shown > maxShown {
		return InboxCursor{}, ErrBadCursor
	}
	if inboxOrders[c.Sort].byIndex {
		if key < 0 || key > 100 {
			return InboxCursor{}, ErrBadCursor
		}
		c.Index = int(key)
	} else {
		c.CreatedAt = time.Unix(0, key).UTC()
	}
	c.ID, c.Shown = id, shown
	return c, nil
}

// LeadInbox lists one page of the leads matching f, in f's order, with how
// many match in all (up to f's count limit).
func (s *Store) LeadInbox(ctx context.Context, f InboxFilter) (InboxPage, error) {
	order, limit, err := f.resolve()
	if err != nil {
		return InboxPage{}, fmt.Errorf("lead inbox: %w", err)
	}
	size := f.PageSize
	if size <= 0 {
		size = InboxPageSize
	}

	page := InboxPage{Start: 1}
	shown := 0
	if c := f.After; c != nil {
		if c.Sort != f.Sort {
			return InboxPage{}, fmt.Errorf("lead inbox: %w", ErrBadCursor)
		}
		shown = c.Shown
		page.Start = shown + 1
	}

	// On PostgreSQL the count runs beside the list, on a connection of its
	// own, so a page costs the slower of the two rather than their sum.
	// SQLite has one connection, so there it runs after, and only if needed.
	var (
		n        int
		countErr error
		counted  sync.WaitGroup
	)
	if s.dialect == Postgres && !f.NoCount {
		counted.Go(func() { n, countErr = s.countInbox(ctx, f, limit) })
	}
	err = s.withValuePlans(ctx, func(db *gorm.DB) error {
		q := inboxWhere(db, s.dialect, f)
		if c := f.After; c != nil {
			q = order.afterCursor(q, c)
		}
		// One more than a page tells whether there is a next page.
		return inboxPageQuery(q, f).Preload("Owner").Find(&page.Leads).Error
	})
	counted.Wait()
	if err != nil {
		return InboxPage{}, fmt.Errorf("lead inbox: %w", err)
	}
	if len(page.Leads) > size {
		page.Leads = page.Leads[:size]
		last := page.Leads[size-1]
		page.Next = &InboxCursor{Sort: f.Sort, CreatedAt: last.CreatedAt.UTC(), Index: last.OverallIndex, ID: last.ID, Shown: shown + size}
	}

	switch {
	case f.NoCount:
		return page, nil
	case f.After == nil && page.Next == nil:
		// A first page that is not full is every match.
		page.Total = len(page.Leads)
		return page, nil
	case s.dialect != Postgres:
		n, countErr = s.countInbox(ctx, f, limit)
	}
	if countErr != nil {
		return InboxPage{}, countErr
	}
	page.Total, page.TotalCapped = min(n, limit), n > limit
	return page, nil
}

// inboxPageQuery orders q by f's sort and asks for one more than a page.
func inboxPageQuery(q *gorm.DB, f InboxFilter) *gorm.DB {
	size := f.PageSize
	if size <= 0 {
		size = InboxPageSize
	}
	return q.Order(inboxOrders[f.Sort].orderBy).Limit(size + 1)
}

// countInboxQuery is the count of f's matches up to limit+1.
func countInboxQuery(db *gorm.DB, dialect string, f InboxFilter, limit int) *gorm.DB {
	matches := inboxWhere(db, dialect, f).Select("1").Limit(limit + 1)
	return db.Raw("SELECT count(*) FROM (?) AS matches", matches)
}

// countInbox counts the leads matching f, stopping at limit+1 so that the
// count costs little however many match.
func (s *Store) countInbox(ctx context.Context, f InboxFilter, limit int) (int, error) {
	var n int
	err := s.withValuePlans(ctx, func(db *gorm.DB) error {
		return countInboxQuery(db, s.dialect, f, limit).Scan(&n).Error
	})
	if err != nil {
		return 0, fmt.Errorf("count lead inbox: %w", err)
	}
	return n, nil
}

// withValuePlans runs fn's queries so that PostgreSQL plans each one with
// its values. pgx prepares and caches every statement, and after five runs
// PostgreSQL may switch a prepared statement to a generic plan made
// without its values. That suits a submission's inserts, run thousands of
// times a minute, but leads are skewed (most are new, few are won), and a
// generic plan picked the wrong index for the inbox: its count of new,
// leading, opted-in leads of one campaign went from 11 ms to 74 ms at a
// million leads. So the inbox runs in a read-only transaction that plans
// with values; planning costs well under a millisecond. On SQLite fn runs
// as it is.
func (s *Store) withValuePlans(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != Postgres {
		return fn(s.db.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return err
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

// inboxWhere selects the leads matching f's filters, in no order.
func inboxWhere(db *gorm.DB, dialect string, f InboxFilter) *gorm.DB {
	db = db.Model(&Lead{})
	if f.Search != "" {
		db = db.Where(inboxSearch[dialect], "%"+likeEscaper.Replace(strings.ToLower(f.Search))+"%")
	}
	if f.Status != "" {
		db = db.Where("status = ?", f.Status)
	}
	if f.Band != "" {
		db = db.Where("band = ?", f.Band)
	}
	if !f.CreatedFrom.IsZero() {
		db = db.Where("created_at >= ?", f.CreatedFrom.UTC())
	}
	if !f.CreatedBefore.IsZero() {
		db = db.Where("created_at < ?", f.CreatedBefore.UTC())
	}
	if f.Campaign != "" {
		db = db.Where("utm_campaign = ?", f.Campaign)
	}
	if f.Source != "" {
		db = db.Where("utm_source = ?", f.Source)
	}
	if f.MarketingOnly {
		db = db.Where(inboxMarketing[dialect])
	}
	if f.TeamInvited || f.TeamAnswersAtLeast > 0 {
		// Written out, not a placeholder, to match leads_team_created_idx's
		// condition: answers come only from invitations, so it holds too.
		db = db.Where("team_invited > 0")
	}
	if f.TeamAnswersAtLeast > 0 {
		db = db.Where("team_answers >= ?", f.TeamAnswersAtLeast)
	}
	return db
}
