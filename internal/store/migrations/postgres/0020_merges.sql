-- Merges of duplicate records (docs/quality.md#merges): a retired record
-- names the record it was merged into. It stays, with its history, and
-- its ID number stays allocated; searches, counts, scans and verification
-- skip it.
ALTER TABLE persons ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
-- serves: the retired numbers, which the data-quality scan looks for in
-- other records' references (few rows: a partial index)
CREATE INDEX persons_merged ON persons (id_number) WHERE merged_into <> '';
