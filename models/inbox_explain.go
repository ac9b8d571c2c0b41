package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// InboxPlan is what PostgreSQL did for one inbox page: the plans of its
// two queries, from EXPLAIN (ANALYZE).
type InboxPlan struct {
	List, Count []string // the plans' lines
}

// Indexes names the indexes and tables a plan's lines read, with how
// (e.g. "Index Scan using leads_created_idx", "Seq Scan on leads").
func Indexes(plan []string) []string {
	var out []string
	for _, line := range plan {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "->"))
		for _, kind := range []string{"Index Only Scan", "Index Scan", "Bitmap Index Scan", "Seq Scan"} {
			if strings.HasPrefix(line, kind) || strings.HasPrefix(line, "Parallel "+kind) {
				if i := strings.Index(line, "  ("); i > 0 {
					line = line[:i]
				}
				out = append(out, line)
				break
			}
		}
	}
	return out
}

// ExplainInbox runs the queries LeadInbox would run for f under EXPLAIN
// (ANALYZE) and returns their plans: a check that each filter, sort and
// search has its index. PostgreSQL only.
func (s *Store) ExplainInbox(ctx context.Context, f InboxFilter) (InboxPlan, error) {
	if s.dialect != Postgres {
		return InboxPlan{}, errors.New("explain inbox: PostgreSQL only")
	}
	order, limit, err := f.resolve()
	if err != nil {
		return InboxPlan{}, fmt.Errorf("explain inbox: %w", err)
	}
	dry := s.db.WithContext(ctx).Session(&gorm.Session{DryRun: true})
	q := inboxWhere(dry, s.dialect, f)
	if c := f.After; c != nil {
		q = order.afterCursor(q, c)
	}
	list := inboxPageQuery(q, f).Find(&[]Lead{}).Statement
	count := countInboxQuery(dry, s.dialect, f, limit).Scan(new(int)).Statement
	var plan InboxPlan
	for _, x := range []struct {
		stmt *gorm.Statement
		into *[]string
	}{{list, &plan.List}, {count, &plan.Count}} {
		// Planned as the inbox plans it: with its values.
		err := s.withValuePlans(ctx, func(db *gorm.DB) error {
			return db.Raw("EXPLAIN (ANALYZE) "+x.stmt.SQL.String(), x.stmt.Vars...).Scan(x.into).Error
		})
		if err != nil {
			return InboxPlan{}, fmt.Errorf("explain inbox: %w", err)
		}
	}
	return plan, nil
}
