-- The public-service portal: procedures (loaded from files), dossiers with
-- their history, citizens' notifications, fee payments and signed results.

CREATE TABLE portal_procedures (
	code       TEXT PRIMARY KEY,
	version    INTEGER NOT NULL,
	data       TEXT NOT NULL, -- the procedure definition as JSON
	loaded_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE dossiers (
	id           TEXT PRIMARY KEY,
	procedure    TEXT NOT NULL,
	group_id     TEXT NOT NULL DEFAULT '', -- the linked submission it came from
	applicant_id TEXT NOT NULL,            -- ID number of the citizen who submitted it
	account_id   TEXT NOT NULL,
	subject_id   TEXT NOT NULL DEFAULT '', -- the person it is about, once known (a newborn after birth registration)
	unit_code    TEXT NOT NULL,            -- handling office: commune or province code
	unit_level   TEXT NOT NULL,
	province     TEXT NOT NULL,            -- province of the handling office
	state        TEXT NOT NULL,
	fee          INTEGER NOT NULL DEFAULT 0,
	paid_at      INTEGER,
	due_at       INTEGER NOT NULL,
	data         TEXT NOT NULL, -- fields, documents, notes as JSON
	result_id    TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL,
	submitted_at INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) STRICT;
-- a citizen's own dossiers, newest first
CREATE INDEX dossiers_applicant ON dossiers (applicant_id, submitted_at);
-- officers' lists: by handling unit (commune officers) or province, state, age
CREATE INDEX dossiers_unit ON dossiers (unit_code, state, submitted_at);
CREATE INDEX dossiers_province ON dossiers (province, state, submitted_at);
-- the parts of one linked submission
CREATE INDEX dossiers_group ON dossiers (group_id) WHERE group_id <> '';

CREATE TABLE dossier_history (
	dossier_id TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (dossier_id, seq)
) STRICT;

CREATE TABLE portal_notifications (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	dossier_id TEXT NOT NULL,
	kind       TEXT NOT NULL,
	state      TEXT NOT NULL,
	message    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	read_at    INTEGER
) STRICT;
CREATE INDEX portal_notifications_account ON portal_notifications (account_id, created_at);

CREATE TABLE portal_payments (
	id           TEXT PRIMARY KEY,
	dossier_id   TEXT NOT NULL,
	provider     TEXT NOT NULL,
	amount       INTEGER NOT NULL,
	currency     TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
	qr_payload   TEXT NOT NULL,
	provider_ref TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	paid_at      INTEGER
) STRICT;
CREATE INDEX portal_payments_dossier ON portal_payments (dossier_id);

CREATE TABLE portal_results (
	id         TEXT PRIMARY KEY,
	dossier_id TEXT NOT NULL UNIQUE,
	title      TEXT NOT NULL,
	unit_code  TEXT NOT NULL,
	pdf        BLOB NOT NULL,
	sha256     TEXT NOT NULL,
	signature  TEXT NOT NULL, -- JWS with detached payload over the PDF bytes
	key_id     TEXT NOT NULL,
	verify_url TEXT NOT NULL,
	issued_at  INTEGER NOT NULL
) STRICT;
