-- Each rendering of the diagnostic form carries a random key; a second
-- submission of the same form (double click, resubmit, retry) finds the
-- lead the first one saved instead of making another.
ALTER TABLE leads ADD COLUMN submission_key TEXT NULL;
CREATE UNIQUE INDEX leads_submission_key_idx ON leads (submission_key) WHERE submission_key IS NOT NULL;
