-- Data quality: the review queue of what the checks flagged, and each
-- commune's completeness at its last scan (internal/quality).

CREATE TABLE quality_flags (
	id             TEXT PRIMARY KEY,
	rule           TEXT NOT NULL,
	person_id      TEXT NOT NULL,
	other_id       TEXT NOT NULL DEFAULT '', -- the second record of a possible duplicate
	score          INTEGER NOT NULL DEFAULT 0,
	commune        TEXT NOT NULL,
	province       TEXT NOT NULL,
	other_commune  TEXT NOT NULL DEFAULT '',
	other_province TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
	reviewed_by    TEXT NOT NULL DEFAULT '',
	note           TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;
-- one flag per finding across scans
CREATE UNIQUE INDEX quality_flags_finding ON quality_flags (person_id, rule, other_id);
-- the queue of a commune or province by status, in id order (the cursor)
CREATE INDEX quality_flags_commune ON quality_flags (commune, status, id);
CREATE INDEX quality_flags_province ON quality_flags (province, status, id);
CREATE INDEX quality_flags_other_commune ON quality_flags (other_commune, status, id) WHERE other_commune <> '';
CREATE INDEX quality_flags_other_province ON quality_flags (other_province, status, id) WHERE other_province <> '';

CREATE TABLE quality_summaries (
	commune      TEXT PRIMARY KEY,
	province     TEXT NOT NULL,
	persons      INTEGER NOT NULL,
	completeness REAL NOT NULL,
	findings     TEXT NOT NULL, -- JSON: what the rules found, by rule
	scanned_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX quality_summaries_province ON quality_summaries (province);
