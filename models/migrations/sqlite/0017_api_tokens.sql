-- Personal access tokens for the JSON API. Only the SHA-256 of each token
-- (itk_…) is stored. scopes is a comma-separated list (leads:read,
-- leads:write, contacts:read). A token is live until expires_at, or until
-- revoked_at is set: by its user, an admin, or a change to the user's
-- role or disabling them.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL DEFAULT '',
    scopes       TEXT        NOT NULL,
    token_hash   TEXT        NOT NULL,
    expires_at   DATETIME    NOT NULL,
    last_used_at DATETIME    NULL,
    revoked_at   DATETIME    NULL,
    created_at   DATETIME    NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash_idx ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);
