-- The consultants' workspace: people, sessions, sign-in throttling, the
-- pipeline on each lead, notes, activity and the funnel's daily counts.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT        NOT NULL,
    name          TEXT        NOT NULL DEFAULT '',
    role          TEXT        NOT NULL CHECK (role IN ('admin', 'consultant', 'marketing')),
    password_hash TEXT        NOT NULL,
    disabled_at   TIMESTAMPTZ NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- Only a hash of each session token is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER     NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ NULL
);

ALTER TABLE leads ADD COLUMN owner_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN follow_up_on TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE leads ADD COLUMN touched_at TIMESTAMPTZ NULL;
ALTER TABLE leads ADD COLUMN marketing_opt_in BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE leads SET marketing_opt_in = EXISTS (
    SELECT 1 FROM lead_consents c
    WHERE c.lead_id = leads.id AND c.purpose = 'marketing' AND c.granted AND c.withdrawn_at IS NULL);

-- What the inbox filters and sorts on.
CREATE INDEX leads_status_created_idx ON leads (status, created_at DESC, id DESC);
CREATE INDEX leads_index_idx ON leads (overall_index DESC, id DESC);
CREATE INDEX leads_campaign_created_idx ON leads (utm_campaign, created_at DESC, id DESC);
CREATE INDEX leads_source_created_idx ON leads (utm_source, created_at DESC, id DESC);
CREATE INDEX leads_marketing_created_idx ON leads (created_at DESC, id DESC) WHERE marketing_opt_in;
CREATE INDEX leads_owner_idx ON leads (owner_id);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX leads_search_idx ON leads USING gin ((lower(name) || ' ' || lower(email) || ' ' || lower(company)) gin_trgm_ops);

CREATE TABLE lead_notes (
    id         BIGSERIAL PRIMARY KEY,
    lead_id    BIGINT      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    author_id  BIGINT      NULL REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX lead_notes_lead_idx ON lead_notes (lead_id, created_at);

CREATE TABLE lead_activity (
    id         BIGSERIAL PRIMARY KEY,
    lead_id    BIGINT      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    actor_id   BIGINT      NULL REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT        NOT NULL,
    detail     TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX lead_activity_lead_idx ON lead_activity (lead_id, created_at DESC, id DESC);

-- The funnel, counted per day: no cookies, no personal data.
CREATE TABLE daily_counts (
    day    TEXT   NOT NULL,
    metric TEXT   NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (day, metric)
);
