-- The audit log of contact exports: who took which contacts, and when.
-- actor keeps the user's email (or "cli") as it was, so the log still says
-- who exported after the user is deleted and actor_id is cleared.
CREATE TABLE exports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id   INTEGER  NULL REFERENCES users (id) ON DELETE SET NULL,
    actor      TEXT     NOT NULL,
    filters    TEXT     NOT NULL,
    row_count  INTEGER  NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX exports_created_idx ON exports (created_at DESC, id DESC);
