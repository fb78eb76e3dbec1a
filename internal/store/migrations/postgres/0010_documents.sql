-- Integrated documents (capability 6): data providers, the SD-JWT VCs
-- they push for citizens with every version kept, status changes, and the
-- entries of each provider's Token Status List. See docs/documents.md.

-- An organisation allowed to push documents: the document types (vct) it
-- may issue, the iss its credentials carry and its public keys.
CREATE TABLE document_providers (
	id            TEXT PRIMARY KEY REFERENCES eid_organisations (id),
	issuer        TEXT NOT NULL UNIQUE,
	vcts          TEXT NOT NULL, -- JSON array of strings
	jwks          TEXT NOT NULL, -- JSON Web Key Set, public keys only
	registered_by TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);

-- The current version of each document. external_id is the provider's own
-- reference; a push with the same one is an update.
CREATE TABLE documents (
	id          TEXT PRIMARY KEY,
	provider_id TEXT NOT NULL REFERENCES document_providers (id),
	external_id TEXT NOT NULL,
	id_number   CHAR(12) NOT NULL,
	vct         TEXT NOT NULL,
	version     INTEGER NOT NULL,
	credential  TEXT NOT NULL, -- the SD-JWT VC as pushed, every disclosure
	issued_at   BIGINT,
	expires_at  BIGINT,
	status      TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked')),
	status_idx  BIGINT, -- index in the provider's status list, when referenced
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	UNIQUE (provider_id, external_id)
);
-- serves: GET /api/v1/eid/me/documents (a citizen's documents, newest first)
CREATE INDEX documents_citizen ON documents (id_number, updated_at);

-- Every version pushed, never deleted; jwt_hash (SHA-256 of the
-- Issuer-signed JWT) finds the version a presentation came from.
CREATE TABLE document_versions (
	document_id   TEXT NOT NULL REFERENCES documents (id),
	version       INTEGER NOT NULL,
	credential    TEXT NOT NULL,
	jwt_hash      TEXT NOT NULL UNIQUE,
	status_idx    BIGINT,
	pushed_by     TEXT NOT NULL,
	pushed_at     BIGINT NOT NULL,
	superseded_at BIGINT,
	PRIMARY KEY (document_id, version)
);

-- Status changes by the provider, never updated or deleted.
CREATE TABLE document_status_events (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	document_id TEXT NOT NULL REFERENCES documents (id),
	status      TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	changed_by  TEXT NOT NULL,
	at          BIGINT NOT NULL
);
CREATE INDEX document_status_events_document ON document_status_events (document_id, at);

-- One row per allocated index of a provider's status list: 0 valid,
-- 1 invalid (revoked, or a superseded version's index), 2 suspended.
CREATE TABLE document_status_entries (
	provider_id TEXT NOT NULL REFERENCES document_providers (id),
	idx         BIGINT NOT NULL,
	document_id TEXT NOT NULL REFERENCES documents (id),
	status      SMALLINT NOT NULL CHECK (status IN (0, 1, 2)),
	PRIMARY KEY (provider_id, idx)
);
-- serves: building a provider's status list from its non-valid entries
CREATE INDEX document_status_entries_set ON document_status_entries (provider_id, status);
