-- Anomaly alerts raised over the access log (internal/anomaly), and the
-- detector's cursor: the last access-log entry it has scanned.

CREATE TABLE alerts (
	id              INTEGER PRIMARY KEY,
	rule            TEXT NOT NULL,
	key             TEXT NOT NULL, -- what the rule counts by: the actor, or org:ID
	actor           TEXT NOT NULL,
	org             TEXT NOT NULL DEFAULT '',
	window_start    INTEGER NOT NULL, -- unix µs, a multiple of window_us
	window_us       INTEGER NOT NULL,
	threshold       INTEGER NOT NULL,
	count           INTEGER NOT NULL,
	first_seq       INTEGER NOT NULL,
	last_seq        INTEGER NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged')),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	acknowledged_by TEXT NOT NULL DEFAULT '',
	acknowledged_at INTEGER
) STRICT;
-- serves: deduplication, one open alert per rule, key and window bucket
CREATE UNIQUE INDEX alerts_open ON alerts (rule, key, window_start) WHERE status = 'open';
-- serves: the operators' listing by status, newest first; the open gauge
CREATE INDEX alerts_status ON alerts (status, rule, id);

CREATE TABLE anomaly_cursor (
	name       TEXT PRIMARY KEY,
	seq        INTEGER NOT NULL, -- last entry scanned, -1 for none
	updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO anomaly_cursor (name, seq, updated_at) VALUES ('accesslog', -1, 0);

-- serves: an organisation's refused requests within a window (the
-- quota_abuse rule). Partial, so that the appends of ordinary entries do
-- not pay for it.
CREATE INDEX IF NOT EXISTS alog.accesslog_refused_org ON accesslog_entries (org, at)
	WHERE substr(outcome, 1, 7) = 'refused';
