package models

import (
	"context"
	"fmt"
	"path"
	"strings"
)

// BackfillTeamCounts zeroes every lead's team counts and runs the UPDATE
// statements of the migration that added them, as on a database that had
// team data before it, for tests.
func (s *Store) BackfillTeamCounts(ctx context.Context) error {
	body, err := migrationFiles.ReadFile(path.Join("migrations", s.dialect, "0019_team_counts.sql"))
	if err != nil {
		return err
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec("UPDATE leads SET team_invited = 0, team_answers = 0").Error; err != nil {
		return err
	}
	n := 0
	for _, stmt := range strings.Split(string(body), ";") {
		if i := strings.Index(stmt, "UPDATE leads"); i >= 0 {
			if err := db.Exec(stmt[i:]).Error; err != nil {
				return fmt.Errorf("%s: %w", stmt[i:], err)
			}
			n++
		}
	}
	if n != 2 {
		return fmt.Errorf("the migration has %d backfills, want 2", n)
	}
	return nil
}
