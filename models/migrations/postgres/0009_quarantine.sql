-- Submissions that look automated (a filled honeypot, a form sent faster
-- than a person could answer it, a missing, stale or reused form token) are
-- kept here rather than dropped, and send no email until an admin releases
-- them into leads. lead holds the lead as it would have been saved (JSON);
-- token is its result page's token, kept on release.
CREATE TABLE quarantined_submissions (
    id             BIGSERIAL PRIMARY KEY,
    token          TEXT        NOT NULL UNIQUE,
    submission_key TEXT        NULL,
    reason         TEXT        NOT NULL,
    lead           TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX quarantined_submission_key_idx ON quarantined_submissions (submission_key) WHERE submission_key IS NOT NULL;
CREATE INDEX quarantined_created_idx ON quarantined_submissions (created_at DESC, id DESC);
