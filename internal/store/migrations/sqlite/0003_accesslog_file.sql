-- The access log moves into its own file, attached to every connection as
-- "alog" (see store.AccessLogFile for why). Unqualified names still find
-- its tables, so queries do not change. A database made before this
-- migration has its entries copied over.
--
-- In WAL mode a crash can commit one file of a multi-file transaction and
-- not the other; IF NOT EXISTS and INSERT OR IGNORE let the migration run
-- again over a half-done copy.

CREATE TABLE IF NOT EXISTS alog.accesslog_entries (
	seq         INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	actor       TEXT NOT NULL,
	actor_role  TEXT NOT NULL,
	org         TEXT NOT NULL DEFAULT '',
	unit        TEXT NOT NULL DEFAULT '',
	purpose     TEXT NOT NULL DEFAULT '',
	legal_basis TEXT NOT NULL DEFAULT '',
	subject     TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	fields      TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX IF NOT EXISTS alog.accesslog_subject ON accesslog_entries (subject, seq);
CREATE INDEX IF NOT EXISTS alog.accesslog_actor ON accesslog_entries (actor, at);

CREATE TABLE IF NOT EXISTS alog.accesslog_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS alog.accesslog_checkpoints (
	size       INTEGER PRIMARY KEY,
	root       BLOB NOT NULL,
	note       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

INSERT OR IGNORE INTO alog.accesslog_entries SELECT * FROM main.accesslog_entries;
INSERT OR IGNORE INTO alog.accesslog_hashes SELECT * FROM main.accesslog_hashes;
INSERT OR IGNORE INTO alog.accesslog_checkpoints SELECT * FROM main.accesslog_checkpoints;

DROP TABLE main.accesslog_entries;
DROP TABLE main.accesslog_hashes;
DROP TABLE main.accesslog_checkpoints;
