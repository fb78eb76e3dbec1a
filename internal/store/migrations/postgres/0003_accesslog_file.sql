-- Nothing to do on PostgreSQL: on SQLite this version moves the access log
-- into its own file. Kept so that both engines share version numbers.
SELECT 1;
