-- eKYC: daily usage counts of partner clients (shared by nodes), and bulk
-- verification jobs with their input lines and result lines, so that a job
-- survives a restart and resumes after its last committed chunk.

CREATE TABLE partner_usage (
	key   TEXT NOT NULL,
	day   TEXT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (key, day)
);

CREATE TABLE ekyc_jobs (
	id           TEXT PRIMARY KEY,
	owner        TEXT NOT NULL, -- the organisation, or the client when it has none
	client_id    TEXT NOT NULL,
	purpose      TEXT NOT NULL,
	legal_basis  TEXT NOT NULL DEFAULT '',
	format       TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
	header       TEXT NOT NULL DEFAULT '', -- the CSV header line
	status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
	total_lines  BIGINT NOT NULL,
	done_lines   BIGINT NOT NULL DEFAULT 0,
	matched      BIGINT NOT NULL DEFAULT 0,
	no_match     BIGINT NOT NULL DEFAULT 0,
	not_found    BIGINT NOT NULL DEFAULT 0,
	invalid      BIGINT NOT NULL DEFAULT 0,
	lease_owner  TEXT NOT NULL DEFAULT '',
	lease_until  BIGINT NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	started_at   BIGINT,
	finished_at  BIGINT
);
-- serves: a partner's own jobs, newest first; the worker's queue
CREATE INDEX ekyc_jobs_owner ON ekyc_jobs (owner, created_at);
CREATE INDEX ekyc_jobs_status ON ekyc_jobs (status, created_at);

CREATE TABLE ekyc_job_lines (
	job_id  TEXT NOT NULL,
	line_no BIGINT NOT NULL,
	raw     TEXT NOT NULL,
	PRIMARY KEY (job_id, line_no)
);

CREATE TABLE ekyc_job_results (
	job_id  TEXT NOT NULL,
	line_no BIGINT NOT NULL,
	result  TEXT NOT NULL,
	PRIMARY KEY (job_id, line_no)
);
