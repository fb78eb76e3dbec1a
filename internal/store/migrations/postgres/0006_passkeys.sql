-- Passkeys: WebAuthn credentials that log e-ID accounts in, and the
-- server-side state of their ceremonies. The private key never leaves the
-- citizen's authenticator; only the public key (a COSE key), the
-- credential ID and the counters are kept. A ceremony holds the challenge
-- and what it was begun with, is used once and lives minutes.

CREATE TABLE eid_passkeys (
	id                 TEXT PRIMARY KEY,
	account_id         TEXT NOT NULL REFERENCES eid_accounts (id),
	credential_id      BYTEA NOT NULL UNIQUE, -- serves: the passkey of an assertion
	public_key         BYTEA NOT NULL,        -- COSE_Key
	sign_count         BIGINT NOT NULL DEFAULT 0,
	transports         TEXT NOT NULL DEFAULT '', -- comma-separated ("internal", "hybrid", "usb", …)
	aaguid             BYTEA,                 -- the authenticator model, 16 bytes
	attestation_format TEXT NOT NULL DEFAULT '',
	user_verified      BOOLEAN NOT NULL DEFAULT FALSE, -- the user was verified at registration
	backup_eligible    BOOLEAN NOT NULL DEFAULT FALSE, -- may be synced to other devices; never changes
	backup_state       BOOLEAN NOT NULL DEFAULT FALSE, -- is synced, as of the last use
	name               TEXT NOT NULL,
	created_at         BIGINT NOT NULL,
	last_used_at       BIGINT,
	revoked_at         BIGINT
);
-- serves: an account's passkeys, newest first
CREATE INDEX eid_passkeys_account ON eid_passkeys (account_id, created_at);

CREATE TABLE eid_passkey_ceremonies (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('registration', 'login')),
	account_id TEXT REFERENCES eid_accounts (id), -- none for a login
	session    TEXT NOT NULL, -- go-webauthn's SessionData as JSON
	expires_at BIGINT NOT NULL,
	used_at    BIGINT,
	created_at BIGINT NOT NULL
);
-- serves: pruning expired ceremonies
CREATE INDEX eid_passkey_ceremonies_expires ON eid_passkey_ceremonies (expires_at);
