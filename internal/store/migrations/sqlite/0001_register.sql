-- The population register; see the postgres migration of the same number
-- for the intent of each table. Instants are unix microseconds.

CREATE TABLE units (
	level         TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
	code          TEXT NOT NULL,
	name          TEXT NOT NULL,
	type          TEXT NOT NULL,
	parent_code   TEXT NOT NULL DEFAULT '',
	province_code TEXT NOT NULL DEFAULT '',
	valid_from    TEXT NOT NULL,
	valid_to      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (level, code, valid_from)
) STRICT;
CREATE INDEX units_province ON units (province_code, level);

CREATE TABLE unit_mappings (
	level       TEXT NOT NULL,
	legacy_code TEXT NOT NULL,
	new_code    TEXT NOT NULL,
	PRIMARY KEY (level, legacy_code, new_code)
) STRICT;
CREATE INDEX unit_mappings_new ON unit_mappings (level, new_code);

CREATE TABLE id_numbers (
	id_number    TEXT PRIMARY KEY CHECK (length(id_number) = 12),
	allocated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE households (
	id            TEXT PRIMARY KEY,
	head_id       TEXT,
	commune_code  TEXT NOT NULL,
	province_code TEXT NOT NULL,
	address       TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE persons (
	id_number     TEXT PRIMARY KEY CHECK (length(id_number) = 12),
	full_name     TEXT NOT NULL,
	name_key      TEXT NOT NULL,
	gender        TEXT NOT NULL CHECK (gender IN ('male', 'female')),
	birth_date    TEXT NOT NULL,
	birth_year    INTEGER NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('living', 'dead', 'missing')),
	household_id  TEXT,
	perm_commune  TEXT NOT NULL DEFAULT '',
	perm_province TEXT NOT NULL DEFAULT '',
	temp_commune  TEXT NOT NULL DEFAULT '',
	temp_province TEXT NOT NULL DEFAULT '',
	cur_commune   TEXT NOT NULL DEFAULT '', -- current residence where it is not the permanent one
	cur_province  TEXT NOT NULL DEFAULT '',
	record        TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- serves: name search with or without diacritics (a prefix range on name_key)
CREATE INDEX persons_name_key ON persons (name_key, id_number);
-- serves: search by birth date or year, in name order
CREATE INDEX persons_birth ON persons (birth_year, name_key, id_number);
-- serve: search within a commune or province, in name order. A person is
-- in a unit through any residence; store.SearchPersons reads the three
-- residences (the temporary and current ones are rare, hence partial) as
-- one union. Permanent residence in a province needs no index of its own:
-- a province holds enough of the register that walking persons_name_key
-- in order finds its residents at once, and ingest stays faster.
CREATE INDEX persons_perm_commune ON persons (perm_commune, name_key, id_number);
CREATE INDEX persons_temp_commune ON persons (temp_commune, name_key, id_number) WHERE temp_commune <> '';
CREATE INDEX persons_cur_commune ON persons (cur_commune, name_key, id_number) WHERE cur_commune <> '';
CREATE INDEX persons_temp_province ON persons (temp_province, name_key, id_number) WHERE temp_province <> '';
CREATE INDEX persons_cur_province ON persons (cur_province, name_key, id_number) WHERE cur_province <> '';
-- serves: household members
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE person_events (
	id             INTEGER PRIMARY KEY,
	person_id      TEXT NOT NULL,
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	effective_date TEXT NOT NULL,
	recorded_at    INTEGER NOT NULL,
	officer_id     TEXT NOT NULL,
	officer_unit   TEXT NOT NULL DEFAULT '',
	legal_doc_no   TEXT NOT NULL DEFAULT '',
	legal_doc_date TEXT NOT NULL DEFAULT '',
	legal_issuer   TEXT NOT NULL DEFAULT '',
	group_id       TEXT NOT NULL DEFAULT '',
	payload        TEXT NOT NULL,
	UNIQUE (person_id, seq)
) STRICT;
