-- Insights (issue 19), continued. lead_stats groups by everything a
-- report may ask for, which at a million leads is some 1,300 rows a day:
-- 90 days of them took about 50 ms to sum. Two narrower summaries, kept up
-- in the same transaction, hold just what the campaign report (and the
-- dashboard's sources) and the bands (dashboard and outcomes) read: a few
-- hundred and a few dozen rows a day. lead_stats goes: nothing reads it,
-- and keeping it up cost every submission about 65 µs.
-- Per source and campaign: the leads, and how many of them reached
-- qualified, proposal and won (stage_reached), as counts side by side.
CREATE TABLE campaign_stats (
    day                TEXT     NOT NULL,
    diagnostic_version TEXT     NOT NULL,
    utm_source         TEXT     NOT NULL,
    utm_campaign       TEXT     NOT NULL,
    slot               INTEGER NOT NULL,
    leads              INTEGER   NOT NULL,
    qualified          INTEGER   NOT NULL,
    proposals          INTEGER   NOT NULL,
    won                INTEGER   NOT NULL,
    PRIMARY KEY (day, diagnostic_version, utm_source, utm_campaign, slot)
);

-- Per band and current status.
CREATE TABLE band_stats (
    day                TEXT     NOT NULL,
    diagnostic_version TEXT     NOT NULL,
    band               TEXT     NOT NULL,
    status             TEXT     NOT NULL,
    slot               INTEGER NOT NULL,
    leads              INTEGER   NOT NULL,
    PRIMARY KEY (day, diagnostic_version, band, status, slot)
);

-- A count is updated on every submission. An index whose condition reads
-- the count (leads = 0) stops PostgreSQL updating the row in place (a HOT
-- update), so every new count went into the table's indexes again: about
-- half the summaries' cost on a submission. Emptied rows are now found by
-- their key instead (see moveStats).
DROP INDEX score_stats_empty;
DROP TABLE lead_stats;
