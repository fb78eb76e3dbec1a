-- Bulk eKYC jobs keep their input and result lines in blocks of
-- consecutive lines (a JSON array each) rather than one row per line: a
-- million-line job writes 400 rows instead of two million, and its
-- results stream back block by block.

CREATE TABLE ekyc_job_line_blocks (
	job_id     TEXT NOT NULL,
	first_line BIGINT NOT NULL,
	last_line  BIGINT NOT NULL,
	lines      TEXT NOT NULL, -- JSON array of the lines first_line..last_line
	PRIMARY KEY (job_id, first_line)
);

CREATE TABLE ekyc_job_result_blocks (
	job_id     TEXT NOT NULL,
	first_line BIGINT NOT NULL,
	last_line  BIGINT NOT NULL,
	results    TEXT NOT NULL, -- JSON array of the result lines first_line..last_line
	PRIMARY KEY (job_id, first_line)
);

INSERT INTO ekyc_job_line_blocks (job_id, first_line, last_line, lines)
	SELECT job_id, MIN(line_no), MAX(line_no), json_agg(raw ORDER BY line_no)::text
	FROM ekyc_job_lines GROUP BY job_id, (line_no - 1) / 5000;
INSERT INTO ekyc_job_result_blocks (job_id, first_line, last_line, results)
	SELECT job_id, MIN(line_no), MAX(line_no), json_agg(result ORDER BY line_no)::text
	FROM ekyc_job_results GROUP BY job_id, (line_no - 1) / 5000;

DROP TABLE ekyc_job_lines;
DROP TABLE ekyc_job_results;
