-- Passkeys: WebAuthn credentials that log e-ID accounts in, and the
-- server-side state of their ceremonies. The private key never leaves the
-- citizen's authenticator; only the public key (a COSE key), the
-- credential ID and the counters are kept. A ceremony holds the challenge
-- and what it was begun with, is used once and lives minutes.

CREATE TABLE eid_passkeys (
	id                 TEXT PRIMARY KEY,
	account_id         TEXT NOT NULL REFERENCES eid_accounts (id),
	credential_id      BLOB NOT NULL UNIQUE, -- serves: the passkey of an assertion
	public_key         BLOB NOT NULL,        -- COSE_Key
	sign_count         INTEGER NOT NULL DEFAULT 0,
	transports         TEXT NOT NULL DEFAULT '', -- comma-separated ("internal", "hybrid", "usb", …)
	aaguid             BLOB,                 -- the authenticator model, 16 bytes
	attestation_format TEXT NOT NULL DEFAULT '',
	user_verified      INTEGER NOT NULL DEFAULT 0, -- the user was verified at registration
	backup_eligible    INTEGER NOT NULL DEFAULT 0, -- may be synced to other devices; never changes
	backup_state       INTEGER NOT NULL DEFAULT 0, -- is synced, as of the last use
	name               TEXT NOT NULL,
	created_at         INTEGER NOT NULL,
	last_used_at       INTEGER,
	revoked_at         INTEGER
) STRICT;
-- serves: an account's passkeys, newest first
CREATE INDEX eid_passkeys_account ON eid_passkeys (account_id, created_at);

CREATE TABLE eid_passkey_ceremonies (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('registration', 'login')),
	account_id TEXT REFERENCES eid_accounts (id), -- none for a login
	session    TEXT NOT NULL, -- go-webauthn's SessionData as JSON
	expires_at INTEGER NOT NULL,
	used_at    INTEGER,
	created_at INTEGER NOT NULL
) STRICT;
-- serves: pruning expired ceremonies
CREATE INDEX eid_passkey_ceremonies_expires ON eid_passkey_ceremonies (expires_at);
