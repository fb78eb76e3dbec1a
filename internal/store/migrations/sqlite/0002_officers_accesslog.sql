-- Officers, their API tokens, idempotent writes, the access log, imports.

CREATE TABLE officers (
	username   TEXT PRIMARY KEY,
	full_name  TEXT NOT NULL,
	role       TEXT NOT NULL,
	unit_code  TEXT NOT NULL DEFAULT '',
	unit_level TEXT NOT NULL CHECK (unit_level IN ('commune', 'province', 'central')),
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;

-- Tokens are stored as a SHA-256 of their secret part; the id is public
-- and lets a token be found and revoked without knowing it.
CREATE TABLE api_tokens (
	id          TEXT PRIMARY KEY,
	officer     TEXT NOT NULL REFERENCES officers (username),
	name        TEXT NOT NULL DEFAULT '',
	secret_hash BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	revoked_at  INTEGER
) STRICT;
CREATE INDEX api_tokens_officer ON api_tokens (officer);

-- A replayed write with the same Idempotency-Key gets the stored answer.
CREATE TABLE idempotency_keys (
	actor        TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL DEFAULT 0,
	response     BLOB,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (actor, key)
) STRICT;

-- The access log: append-only entries, the Merkle tree's stored hashes
-- (golang.org/x/mod/sumdb/tlog's layout, one row per stored hash index) and
-- signed checkpoints.
CREATE TABLE accesslog_entries (
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
-- serves: a citizen's own entries; alerts over an actor's recent reads
CREATE INDEX accesslog_subject ON accesslog_entries (subject, seq);
CREATE INDEX accesslog_actor ON accesslog_entries (actor, at);

CREATE TABLE accesslog_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

CREATE TABLE accesslog_checkpoints (
	size       INTEGER PRIMARY KEY,
	root       BLOB NOT NULL,
	note       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

-- Secrets generated on first start when none is configured (the log's
-- signing key). Production configures keys from files instead.
CREATE TABLE secrets (
	name       TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

-- Legacy imports: which source record became which person, so that a
-- re-run (also after a crash) creates nothing twice.
CREATE TABLE import_records (
	source     TEXT NOT NULL,
	record_id  TEXT NOT NULL,
	id_number  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (source, record_id)
) STRICT;
