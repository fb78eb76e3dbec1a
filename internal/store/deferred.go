package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// DeferPersonIndexes drops the secondary indexes of persons, after saving
// their definitions, for an initial load: building an index once over
// sorted data costs a fraction of maintaining it row by row. Only an empty
// register may be loaded so, since searches need the indexes.
func (db *DB) DeferPersonIndexes(ctx context.Context) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *Tx) error {
		var count int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&count); err != nil {
			return err
		}
		if count > 0 {
			return apperr.E(apperr.Conflict, "an initial load needs an empty register; it holds %d persons", count)
		}
		q := `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'persons'
			AND indexname <> 'persons_pkey' ORDER BY indexname`
		if db.Engine == SQLite {
			q = `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' AND sql IS NOT NULL ORDER BY name`
		}
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		var names, defs []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, name := range names {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deferred_indexes (name, definition) VALUES ($1, $2)`, name, defs[i]); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(name)); err != nil {
				return err
			}
		}
		n = len(names)
		return nil
	})
	return n, mapErr(err, "defer person indexes")
}

// RestoreDeferredIndexes builds every index DeferPersonIndexes dropped;
// Migrate runs it, so that every start repairs an interrupted load.
func (db *DB) RestoreDeferredIndexes(ctx context.Context) (int, error) {
	rows, err := db.write.QueryContext(ctx, `SELECT name, definition FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return 0, mapErr(err, "deferred indexes")
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return 0, mapErr(err, "deferred indexes")
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	for i, name := range names {
		def := strings.Replace(defs[i], "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
		def = strings.Replace(def, "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1)
		err := db.inTx(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return fmt.Errorf("rebuild index %s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = $1`, name)
			return err
		})
		if err != nil {
			return i, mapErr(err, "rebuild index")
		}
	}
	if len(names) > 0 && db.Engine == Postgres {
		if _, err := db.write.ExecContext(ctx, `ANALYZE persons`); err != nil {
			return len(names), mapErr(err, "analyze persons")
		}
	}
	return len(names), nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
