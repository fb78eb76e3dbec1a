-- Officers, their API tokens, idempotent writes, the access log, imports.

CREATE TABLE officers (
	username   TEXT PRIMARY KEY,
	full_name  TEXT NOT NULL,
	role       TEXT NOT NULL,
	unit_code  TEXT NOT NULL DEFAULT '',
	unit_level TEXT NOT NULL CHECK (unit_level IN ('commune', 'province', 'central')),
	disabled   BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);

-- Tokens are stored as a SHA-256 of their secret part; the id is public
-- and lets a token be found and revoked without knowing it.
CREATE TABLE api_tokens (
	id          TEXT PRIMARY KEY,
	officer     TEXT NOT NULL REFERENCES officers (username),
	name        TEXT NOT NULL DEFAULT '',
	secret_hash BYTEA NOT NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	revoked_at  BIGINT
);
CREATE INDEX api_tokens_officer ON api_tokens (officer);

-- A replayed write with the same Idempotency-Key gets the stored answer.
CREATE TABLE idempotency_keys (
	actor        TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL DEFAULT 0,
	response     BYTEA,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (actor, key)
);

-- The access log: append-only entries, the Merkle tree's stored hashes
-- (golang.org/x/mod/sumdb/tlog's layout, one row per stored hash index) and
-- signed checkpoints.
CREATE TABLE accesslog_entries (
	seq         BIGINT PRIMARY KEY,
	at          BIGINT NOT NULL,
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
);
-- serves: a citizen's own entries; alerts over an actor's recent reads
CREATE INDEX accesslog_subject ON accesslog_entries (subject, seq);
CREATE INDEX accesslog_actor ON accesslog_entries (actor, at);

CREATE TABLE accesslog_hashes (
	idx  BIGINT PRIMARY KEY,
	hash BYTEA NOT NULL
);

CREATE TABLE accesslog_checkpoints (
	size       BIGINT PRIMARY KEY,
	root       BYTEA NOT NULL,
	note       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

-- Secrets generated on first start when none is configured (the log's
-- signing key). Production configures keys from files instead.
CREATE TABLE secrets (
	name       TEXT PRIMARY KEY,
	value      BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);

-- Legacy imports: which source record became which person, so that a
-- re-run (also after a crash) creates nothing twice.
CREATE TABLE import_records (
	source     TEXT NOT NULL,
	record_id  TEXT NOT NULL,
	id_number  CHAR(12) NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (source, record_id)
);
