-- Officers log in with a password (argon2id) and a TOTP code; the
-- session they get is an api_tokens row named "login session".
CREATE TABLE officer_credentials (
	username       TEXT PRIMARY KEY REFERENCES officers (username),
	password_hash  TEXT NOT NULL,
	totp_secret    TEXT NOT NULL,
	totp_last_step INTEGER NOT NULL DEFAULT 0,
	failed         INTEGER NOT NULL DEFAULT 0,
	lock_count     INTEGER NOT NULL DEFAULT 0,
	locked_until   INTEGER,
	updated_at     INTEGER NOT NULL
) STRICT;
