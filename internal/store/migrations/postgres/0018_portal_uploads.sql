-- Who uploaded which paper (a file is kept once, whoever sends it), so
-- that a dossier names only papers its applicant uploaded, uploads can be
-- counted per account, and papers no dossier names are deleted a day
-- after their last upload; and which dossiers name which paper.

CREATE TABLE portal_uploads (
	account_id TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, sha256)
);
-- serves: an account's uploads of the last day; a paper's latest upload
CREATE INDEX portal_uploads_account ON portal_uploads (account_id, created_at);
CREATE INDEX portal_uploads_file ON portal_uploads (sha256, created_at);

CREATE TABLE portal_file_refs (
	sha256     TEXT NOT NULL,
	dossier_id TEXT NOT NULL,
	PRIMARY KEY (sha256, dossier_id)
);

INSERT INTO portal_uploads (account_id, sha256, created_at)
	SELECT uploaded_by, sha256, created_at FROM portal_files;
INSERT INTO portal_file_refs (sha256, dossier_id)
	SELECT DISTINCT doc->>'sha256', d.id
	FROM dossiers d, json_array_elements(COALESCE(d.data::json->'documents', '[]'::json)) AS doc
	WHERE doc->>'sha256' IS NOT NULL;
