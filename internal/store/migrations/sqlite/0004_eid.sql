-- Citizens' e-ID accounts: level 1 (self-registered) and level 2 (attested
-- in person), their one-time-code challenges, sessions, bound devices,
-- level changes, the organisations they represent, rate-limit events and
-- the development SMS outbox. Secrets are stored only as hashes: argon2id
-- PHC strings for passcodes, HMAC-SHA-256 for one-time codes, SHA-256 for
-- session and device tokens.

CREATE TABLE eid_accounts (
	id              TEXT PRIMARY KEY,
	id_number       TEXT NOT NULL UNIQUE, -- one account per person
	phone           TEXT NOT NULL,
	level           INTEGER NOT NULL CHECK (level IN (1, 2)),
	passcode_hash   TEXT NOT NULL,
	failed_attempts INTEGER NOT NULL DEFAULT 0,
	lock_count      INTEGER NOT NULL DEFAULT 0,
	locked_until    INTEGER,
	totp_secret     TEXT NOT NULL DEFAULT '',
	totp_pending    TEXT NOT NULL DEFAULT '',
	totp_last_step  INTEGER NOT NULL DEFAULT 0,
	level2_at       INTEGER,
	level2_by       TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE eid_challenges (
	id         TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL CHECK (purpose IN ('registration', 'login', 'passcode_reset')),
	account_id TEXT REFERENCES eid_accounts (id), -- none for a registration
	id_number  TEXT NOT NULL,
	phone      TEXT NOT NULL,
	methods    TEXT NOT NULL,
	otp_hash   BLOB,
	tries      INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER,
	created_at INTEGER NOT NULL
) STRICT;
-- serves: pruning expired challenges
CREATE INDEX eid_challenges_expires ON eid_challenges (expires_at);

CREATE TABLE eid_devices (
	id           TEXT PRIMARY KEY,
	account_id   TEXT NOT NULL REFERENCES eid_accounts (id),
	name         TEXT NOT NULL,
	secret_hash  BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
-- serves: an account's devices
CREATE INDEX eid_devices_account ON eid_devices (account_id, created_at);

CREATE TABLE eid_sessions (
	id          TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL REFERENCES eid_accounts (id),
	secret_hash BLOB NOT NULL,
	level       INTEGER NOT NULL,
	amr         TEXT NOT NULL, -- comma-separated RFC 8176 values
	auth_time   INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	device_id   TEXT NOT NULL DEFAULT '',
	ip          TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT '',
	revoked_at  INTEGER
) STRICT;
-- serves: an account's sessions, newest first; revoking them all
CREATE INDEX eid_sessions_account ON eid_sessions (account_id, auth_time);
-- serves: pruning long-expired sessions
CREATE INDEX eid_sessions_expires ON eid_sessions (expires_at);

-- Level changes: an upgrade with the officer's attestation, or a
-- revocation with its reason (note). Never updated or deleted.
CREATE TABLE eid_level_events (
	id           INTEGER PRIMARY KEY,
	account_id   TEXT NOT NULL REFERENCES eid_accounts (id),
	kind         TEXT NOT NULL CHECK (kind IN ('upgrade', 'revoke')),
	officer      TEXT NOT NULL,
	officer_unit TEXT NOT NULL DEFAULT '',
	chip_read    INTEGER NOT NULL,
	face_match   INTEGER NOT NULL,
	document     TEXT NOT NULL DEFAULT '',
	note         TEXT NOT NULL DEFAULT '',
	at           INTEGER NOT NULL
) STRICT;
CREATE INDEX eid_level_events_account ON eid_level_events (account_id, at);

CREATE TABLE eid_organisations (
	id                  TEXT PRIMARY KEY,
	registration_number TEXT NOT NULL UNIQUE,
	name                TEXT NOT NULL,
	kind                TEXT NOT NULL CHECK (kind IN ('business', 'agency')),
	representative_id   TEXT NOT NULL REFERENCES eid_accounts (id),
	created_at          INTEGER NOT NULL
) STRICT;
-- serves: the organisations an account represents
CREATE INDEX eid_organisations_representative ON eid_organisations (representative_id, created_at);

-- One row per rate-limited event; key names the limit and a hash of whom
-- it is about (client IP, phone, ID number, account).
CREATE TABLE eid_rate_hits (
	key TEXT NOT NULL,
	at  INTEGER NOT NULL
) STRICT;
-- serves: counting a key's events in its window; pruning old ones
CREATE INDEX eid_rate_hits_key ON eid_rate_hits (key, at);
CREATE INDEX eid_rate_hits_at ON eid_rate_hits (at);

-- The development SMS provider's messages (sms.Outbox). Empty in
-- production, where an SMS gateway sends them.
CREATE TABLE sms_outbox (
	id         INTEGER PRIMARY KEY,
	phone      TEXT NOT NULL,
	text       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
-- serves: GET /api/v1/dev/sms?phone=, newest first
CREATE INDEX sms_outbox_phone ON sms_outbox (phone, id);
