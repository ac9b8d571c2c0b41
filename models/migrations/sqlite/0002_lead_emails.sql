-- The delivery state of each email a lead produces, so consultants can see
-- whether it went out and the worker never sends one twice once recorded.
CREATE TABLE lead_emails (
    lead_id         INTEGER     NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL,
    message_id      TEXT        NOT NULL,
    queued_at       DATETIME    NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    last_attempt_at DATETIME    NULL,
    last_error      TEXT        NOT NULL DEFAULT '',
    sent_at         DATETIME    NULL,
    failed_at       DATETIME    NULL,
    PRIMARY KEY (lead_id, kind)
);
