-- Endpoints that receive the lead events as signed webhooks (kind
-- 'standard', Standard Webhooks) or as Slack messages (kind 'slack').
-- events is a comma-separated list of event types. secret signs deliveries
-- (whsec_…); after a rotation previous_secret also signs them until
-- previous_secret_until. failing_since is the first failure of the current
-- streak (NULL after a success); an endpoint failing three days in a row,
-- or answered 410, is disabled with the reason.
CREATE TABLE webhook_endpoints (
    id                    BIGSERIAL PRIMARY KEY,
    url                   TEXT        NOT NULL,
    kind                  TEXT        NOT NULL,
    events                TEXT        NOT NULL,
    description           TEXT        NOT NULL DEFAULT '',
    secret                TEXT        NOT NULL,
    previous_secret       TEXT        NULL,
    previous_secret_until TIMESTAMPTZ NULL,
    disabled_at           TIMESTAMPTZ NULL,
    disabled_reason       TEXT        NOT NULL DEFAULT '',
    failing_since         TIMESTAMPTZ NULL,
    failure_streak        INTEGER     NOT NULL DEFAULT 0,
    last_delivery_at      TIMESTAMPTZ NULL,
    last_status           INTEGER     NOT NULL DEFAULT 0,
    last_error            TEXT        NOT NULL DEFAULT '',
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

-- One row per delivery attempt: the event's id (webhook-id, the same on
-- every attempt and replay), its type, the lead it is about, the answer's
-- status (0: no answer), how long it took, and the first 1 KB of the answer
-- or the error. Kept 30 days.
CREATE TABLE webhook_deliveries (
    id          BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id    TEXT        NOT NULL,
    event_type  TEXT        NOT NULL,
    lead_id     BIGINT      NULL,
    attempt     INTEGER     NOT NULL,
    status_code INTEGER     NOT NULL DEFAULT 0,
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    succeeded   BOOLEAN     NOT NULL DEFAULT FALSE,
    response    TEXT        NOT NULL DEFAULT '',
    error       TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);
