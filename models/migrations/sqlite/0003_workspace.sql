-- The consultants' workspace: people, sessions, sign-in throttling, the
-- pipeline on each lead, notes, activity and the funnel's daily counts.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT        NOT NULL,
    name          TEXT        NOT NULL DEFAULT '',
    role          TEXT        NOT NULL CHECK (role IN ('admin', 'consultant', 'marketing')),
    password_hash TEXT        NOT NULL,
    disabled_at   DATETIME NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- Only a hash of each session token is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER     NOT NULL,
    window_start DATETIME NOT NULL,
    locked_until DATETIME NULL
);

ALTER TABLE leads ADD COLUMN owner_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN follow_up_on TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE leads ADD COLUMN touched_at DATETIME NULL;
ALTER TABLE leads ADD COLUMN marketing_opt_in BOOLEAN NOT NULL DEFAULT 0;
UPDATE leads SET marketing_opt_in = EXISTS (
    SELECT 1 FROM lead_consents c
    WHERE c.lead_id = leads.id AND c.purpose = 'marketing' AND c.granted = 1 AND c.withdrawn_at IS NULL);

-- What the inbox filters and sorts on.
CREATE INDEX leads_status_created_idx ON leads (status, created_at DESC, id DESC);
CREATE INDEX leads_index_idx ON leads (overall_index DESC, id DESC);
CREATE INDEX leads_campaign_created_idx ON leads (utm_campaign, created_at DESC, id DESC);
CREATE INDEX leads_source_created_idx ON leads (utm_source, created_at DESC, id DESC);
CREATE INDEX leads_marketing_created_idx ON leads (created_at DESC, id DESC) WHERE marketing_opt_in = 1;
CREATE INDEX leads_owner_idx ON leads (owner_id);

CREATE TABLE lead_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id    INTEGER      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    author_id  INTEGER      NULL REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT        NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX lead_notes_lead_idx ON lead_notes (lead_id, created_at);

CREATE TABLE lead_activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id    INTEGER      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    actor_id   INTEGER      NULL REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT        NOT NULL,
    detail     TEXT        NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX lead_activity_lead_idx ON lead_activity (lead_id, created_at DESC, id DESC);

-- The funnel, counted per day: no cookies, no personal data.
CREATE TABLE daily_counts (
    day    TEXT   NOT NULL,
    metric TEXT   NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (day, metric)
);
