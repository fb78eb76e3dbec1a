-- The papers citizens attach to dossiers, kept once by their SHA-256:
-- dossiers name them in their documents; officers open them.

CREATE TABLE portal_files (
	sha256      TEXT PRIMARY KEY,
	media_type  TEXT NOT NULL,
	size        BIGINT NOT NULL,
	content     BYTEA NOT NULL,
	uploaded_by TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
