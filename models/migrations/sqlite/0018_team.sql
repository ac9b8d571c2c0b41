-- The team view (issue 18): colleagues a lead invites rate the same manager.
--
-- An invitation keeps the invitee's address only as a keyed hash (the same
-- HMAC as the suppression list's, so "never email me" can add it there);
-- the address itself waits in team_invite_outbox until its email is sent,
-- and the worker deletes that row when it is. Answers belong to the team
-- (the lead), never to an invitation: no column links one to the other,
-- the key is random so it keeps no order, and an answer has no date at all
-- (an invitation's used_on day could otherwise be matched to it).
CREATE TABLE team_invitations (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    lead_id     INTEGER     NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    email_hmac  TEXT        NOT NULL,
    token       TEXT        NOT NULL UNIQUE,
    expires_at  DATETIME    NOT NULL,
    sent_at     DATETIME   ,
    used_on     TEXT,
    UNIQUE (lead_id, email_hmac)
);

CREATE TABLE team_invite_outbox (
    invitation_id INTEGER PRIMARY KEY REFERENCES team_invitations (id) ON DELETE CASCADE,
    email         TEXT   NOT NULL
);

CREATE TABLE team_answers (
    id                 TEXT    PRIMARY KEY,
    lead_id            INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    diagnostic_version TEXT    NOT NULL,
    answers            TEXT    NOT NULL,
    scores             TEXT    NOT NULL,
    overall_index      INTEGER NOT NULL
);
CREATE INDEX team_answers_lead ON team_answers (lead_id);

-- A lead whose team view has unlocked, so the inviter is told once.
CREATE TABLE team_unlocks (
    lead_id     INTEGER     PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    unlocked_on TEXT        NOT NULL
);
