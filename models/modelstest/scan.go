package modelstest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stellapop/intake/models"
)

// FindText searches every row of every table in the store's database,
// listed from the database's own catalogue (so a table added later is
// searched too), for any of needles, ignoring case. It returns one
// "table: row" line per row that holds one; erasure tests expect none.
func FindText(t testing.TB, store *models.Store, needles ...string) []string {
	t.Helper()
	var found []string
	for _, row := range AllRows(t, store) {
		lower := strings.ToLower(row)
		for _, n := range needles {
			if strings.Contains(lower, strings.ToLower(n)) {
				found = append(found, row)
				break
			}
		}
	}
	return found
}

// AllRows is every row of every table in the store's database, listed from
// the database's own catalogue, each as one "table: row" line.
func AllRows(t testing.TB, store *models.Store) []string {
	t.Helper()
	db := store.SQLDB()
	list := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if store.Dialect() == models.SQLite {
		list = "SELECT name FROM sqlite_master WHERE type = 'table'"
	}
	rows, err := db.Query(list)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) == 0 {
		t.Fatal("the catalogue lists no tables")
	}
	var all []string
	for _, table := range tables {
		for _, row := range rowsAsText(t, store, table) {
			all = append(all, table+": "+row)
		}
	}
	return all
}

// rowsAsText reads every row of table as one string: PostgreSQL casts the
// whole row to text; SQLite's columns are joined as they come.
func rowsAsText(t testing.TB, store *models.Store, table string) []string {
	t.Helper()
	quoted := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	query := "SELECT * FROM " + quoted
	if store.Dialect() == models.Postgres {
		query = "SELECT t::text FROM " + quoted + " t"
	}
	rows, err := store.SQLDB().Query(query)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				parts[i] = string(v)
			case time.Time:
				parts[i] = v.Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}
