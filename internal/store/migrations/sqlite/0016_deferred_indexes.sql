-- Indexes of the register dropped for an initial load into an empty
-- register (dancu import persons --initial-load) and not yet rebuilt: any
-- start rebuilds them, so a load killed half-way leaves no index missing.
CREATE TABLE deferred_indexes (
	name       TEXT PRIMARY KEY,
	definition TEXT NOT NULL
) STRICT;
