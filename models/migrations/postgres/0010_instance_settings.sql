-- Facts every instance sharing this database must agree on, in one row.
-- secret_fingerprint is an HMAC keyed by INTAKE_SECRET (never the secret):
-- the first start records it, and a start with another secret is refused.
CREATE TABLE instance_settings (
    id                 INTEGER     PRIMARY KEY CHECK (id = 1),
    secret_fingerprint TEXT        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);
