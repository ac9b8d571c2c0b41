-- Requests counted per purpose (submissions, sign-ins), client address and
-- minute, so that every instance sharing the database keeps one limit.
-- window_start is the minute, in minutes since 1970; past minutes are
-- deleted as new ones begin.
CREATE TABLE rate_limits (
    purpose      TEXT    NOT NULL,
    client       TEXT    NOT NULL,
    window_start BIGINT  NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (purpose, client, window_start)
);
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);

-- Sign-in failures past their window and lock are deleted as new ones come.
CREATE INDEX login_throttle_window_start ON login_throttle (window_start);
