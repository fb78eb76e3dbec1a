-- The OpenID Connect provider: relying-party clients, signing keys,
-- authorization requests, issued tokens (as hashes), remembered consents
-- and one-time values (DPoP proofs, client assertions).

CREATE TABLE oidc_clients (
	id         TEXT PRIMARY KEY,
	data       TEXT NOT NULL, -- the registration as JSON
	secret_hash BLOB,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE oidc_signing_keys (
	kid         TEXT PRIMARY KEY,
	alg         TEXT NOT NULL,
	private_key BLOB NOT NULL, -- PKCS #8 DER
	created_at  INTEGER NOT NULL,
	use_from    INTEGER NOT NULL,
	retire_at   INTEGER,
	expires_at  INTEGER
) STRICT;

CREATE TABLE oidc_auth_requests (
	id              TEXT PRIMARY KEY,
	client_id       TEXT NOT NULL,
	request         TEXT NOT NULL, -- the parameters as JSON
	pushed          INTEGER NOT NULL DEFAULT 0,
	csrf            TEXT NOT NULL DEFAULT '',
	dpop_jkt        TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	account_id      TEXT NOT NULL DEFAULT '',
	session_id      TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL DEFAULT '',
	auth_time       INTEGER NOT NULL DEFAULT 0,
	acr             TEXT NOT NULL DEFAULT '',
	amr             TEXT NOT NULL DEFAULT '',
	consented       INTEGER NOT NULL DEFAULT 0,
	scopes          TEXT NOT NULL DEFAULT '',
	code_hash       BLOB UNIQUE,
	code_expires_at INTEGER NOT NULL DEFAULT 0,
	code_used_at    INTEGER
) STRICT;
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens (
	hash            BLOB PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
	client_id       TEXT NOT NULL,
	account_id      TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL,
	scopes          TEXT NOT NULL DEFAULT '',
	acr             TEXT NOT NULL DEFAULT '',
	amr             TEXT NOT NULL DEFAULT '',
	auth_time       INTEGER NOT NULL DEFAULT 0,
	family          TEXT NOT NULL DEFAULT '',
	auth_request_id TEXT NOT NULL DEFAULT '',
	session_id      TEXT NOT NULL DEFAULT '',
	jkt             TEXT NOT NULL DEFAULT '',
	issued_at       INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	revoked_at      INTEGER,
	rotated_at      INTEGER
) STRICT;
CREATE INDEX oidc_tokens_family ON oidc_tokens (family) WHERE family <> '';
CREATE INDEX oidc_tokens_auth_request ON oidc_tokens (auth_request_id) WHERE auth_request_id <> '';
CREATE INDEX oidc_tokens_session ON oidc_tokens (session_id) WHERE session_id <> '';
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

CREATE TABLE oidc_consents (
	account_id TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	granted_at INTEGER NOT NULL,
	revoked_at INTEGER,
	PRIMARY KEY (account_id, client_id)
) STRICT;

CREATE TABLE oidc_once (
	key        TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_once_expires ON oidc_once (expires_at);
