-- PostgreSQL keeps the rate-limit counts out of its write-ahead log from
-- this version on. The embedded SQLite counts them in memory (one
-- process), so it has nothing to change.
SELECT 1;
