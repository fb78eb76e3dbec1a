-- Residence declaration (khai báo lưu trú): accommodation establishments of
-- organisations and their guests' stays, which police read by area.

CREATE TABLE residence_establishments (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	commune    TEXT NOT NULL,
	province   TEXT NOT NULL,
	address    TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX residence_establishments_org ON residence_establishments (org_id);

CREATE TABLE residence_stays (
	id               TEXT PRIMARY KEY,
	establishment_id TEXT NOT NULL,
	org_id           TEXT NOT NULL,
	commune          TEXT NOT NULL, -- copied from the establishment: police read by area
	province         TEXT NOT NULL,
	guest_kind       TEXT NOT NULL CHECK (guest_kind IN ('citizen', 'foreign')),
	id_number        TEXT NOT NULL DEFAULT '',
	guest            TEXT NOT NULL, -- the guest's declared identity as JSON
	room             TEXT NOT NULL DEFAULT '',
	verification     TEXT NOT NULL, -- match, no_match, not_found, passport
	flagged          BOOLEAN NOT NULL DEFAULT FALSE,
	check_in         BIGINT NOT NULL,
	check_out        BIGINT,
	declared_by      TEXT NOT NULL,
	created_at       BIGINT NOT NULL
);
-- police by area and date: stays in a commune (or province) that began before a day's end
CREATE INDEX residence_stays_commune ON residence_stays (commune, check_in);
CREATE INDEX residence_stays_province ON residence_stays (province, check_in);
CREATE INDEX residence_stays_establishment ON residence_stays (establishment_id, check_in);
