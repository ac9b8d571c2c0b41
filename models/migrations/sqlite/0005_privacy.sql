-- Privacy: when a lead's personal data was erased (on request or after the
-- retention period), and the addresses that must never be exported again.
ALTER TABLE leads ADD COLUMN erased_at DATETIME NULL;

-- The daily retention run looks for the oldest leads not yet erased; once
-- most old leads are erased, this keeps it from walking past all of them.
CREATE INDEX leads_retention_idx ON leads (created_at, id) WHERE erased_at IS NULL;

-- Only a hash is kept: hex SHA-256 of the address trimmed and lower-cased
-- (models.SuppressionHash), so the list itself holds no address.
CREATE TABLE suppressions (
    email_sha256 TEXT     PRIMARY KEY,
    created_at   DATETIME NOT NULL
);
