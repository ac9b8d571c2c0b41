-- Leads from the diagnostic: contact, result, source and consents.
CREATE TABLE leads (
    id                 BIGSERIAL PRIMARY KEY,
    token              TEXT        NOT NULL UNIQUE,
    name               TEXT        NOT NULL,
    email              TEXT        NOT NULL,
    company            TEXT        NOT NULL,
    role               TEXT        NOT NULL,
    team_size          INTEGER     NULL CHECK (team_size IS NULL OR team_size BETWEEN 1 AND 100000),
    diagnostic_version TEXT        NOT NULL,
    overall_index      INTEGER     NOT NULL CHECK (overall_index BETWEEN 0 AND 100),
    band               TEXT        NOT NULL,
    status             TEXT        NOT NULL DEFAULT 'new',
    landing_page       TEXT        NOT NULL DEFAULT '',
    referrer           TEXT        NOT NULL DEFAULT '',
    utm_source         TEXT        NOT NULL DEFAULT '',
    utm_medium         TEXT        NOT NULL DEFAULT '',
    utm_campaign       TEXT        NOT NULL DEFAULT '',
    utm_term           TEXT        NOT NULL DEFAULT '',
    utm_content        TEXT        NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL
);

-- The inbox lists newest first, filters by band and finds people by email.
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC);
CREATE INDEX leads_band_created_idx ON leads (band, created_at DESC, id DESC);
CREATE INDEX leads_email_idx ON leads (lower(email));

-- Each answer keeps the question and option wording the visitor saw, so a
-- later edit of the diagnostic never rewrites what they answered.
CREATE TABLE lead_answers (
    lead_id       BIGINT  NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    question_id   TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    dimension     TEXT    NOT NULL,
    question_text TEXT    NOT NULL,
    value         INTEGER NOT NULL,
    label         TEXT    NOT NULL,
    points        INTEGER NOT NULL,
    PRIMARY KEY (lead_id, question_id)
);

CREATE TABLE lead_scores (
    lead_id   BIGINT  NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    dimension TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    score     INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (lead_id, dimension)
);

-- One row per purpose asked, granted or not, with the wording shown.
CREATE TABLE lead_consents (
    lead_id         BIGINT      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    purpose         TEXT        NOT NULL,
    granted         BOOLEAN     NOT NULL,
    decided_at      TIMESTAMPTZ NOT NULL,
    wording_version TEXT        NOT NULL,
    wording_sha256  TEXT        NOT NULL,
    wording         TEXT        NOT NULL,
    withdrawn_at    TIMESTAMPTZ NULL,
    PRIMARY KEY (lead_id, purpose)
);
