package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// sqliteParams are the pragmas of every SQLite connection. WAL lets readers
// run beside the writer; IMMEDIATE transactions take the write lock up front
// so two writers never deadlock on upgrade.
const sqliteParams = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-131072)&_pragma=mmap_size(1073741824)" +
	"&_pragma=temp_store(MEMORY)&_txlock=immediate"

// accessLogSchema is the name under which the access log's own file is
// attached to every SQLite connection. Its tables keep their names, which
// SQLite resolves without the schema prefix, so queries are the same as
// on PostgreSQL.
const accessLogSchema = "alog"

// AccessLogFile returns the SQLite file that holds the access log of the
// register database at path: dancu.db → dancu-accesslog.db.
//
// Why a file of its own: SQLite drops a connection's page cache whenever
// its database file changed since the connection's last transaction, and
// the log appends many times a second while people's records are read. In
// one file every read of a person would re-read and re-parse the B-tree
// pages; in two, the register's pages stay cached and only the log's are
// refreshed.
func AccessLogFile(path string) string {
	return strings.TrimSuffix(path, ".db") + "-accesslog.db"
}

// openSQLite opens a pool on the register file at path whose connections
// have the access-log file attached; readOnly opens both read-only.
func openSQLite(path string, readOnly bool) (*sql.DB, error) {
	mode := ""
	if readOnly {
		mode = "&mode=ro"
	}
	base, err := sqlite.NewConnector("file:" + path + sqliteParams + mode)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	attach := fmt.Sprintf(`ATTACH DATABASE '%s' AS %s`,
		strings.ReplaceAll("file:"+AccessLogFile(path)+"?"+strings.TrimPrefix(mode, "&"), "'", "''"), accessLogSchema)
	setup := []string{attach}
	if !readOnly {
		// The pragmas of the DSN apply to the main file only.
		setup = append(setup, `PRAGMA `+accessLogSchema+`.journal_mode=WAL`,
			`PRAGMA `+accessLogSchema+`.synchronous=NORMAL`)
	}
	return sql.OpenDB(attachingConnector{Connector: base, setup: setup}), nil
}

// attachingConnector runs setup statements on each new connection.
type attachingConnector struct {
	driver.Connector
	setup []string
}

// Connect implements driver.Connector.
func (c attachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	exec, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite connection cannot execute statements")
	}
	for _, q := range c.setup {
		if _, err := exec.ExecContext(ctx, q, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("set up sqlite connection (%s): %w", q, err)
		}
	}
	return conn, nil
}
