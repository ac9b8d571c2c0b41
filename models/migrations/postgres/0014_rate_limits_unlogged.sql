-- The rate-limit counts are worth nothing after a crash (they cover the
-- current minute), so they skip the write-ahead log: each count is then one
-- in-memory update instead of a commit waiting for the disk, which cost
-- every submission a fifth of a millisecond. After a crash PostgreSQL
-- empties the table, and limits start counting afresh. Sign-in failures
-- stay logged: a lock-out must survive a restart.
ALTER TABLE rate_limits SET UNLOGGED;
