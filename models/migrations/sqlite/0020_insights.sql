-- Insights (issue 19): summary tables kept up in the transaction of every
-- change they count, so the dashboard and the reports read a few hundred
-- rows instead of a million leads. Each table is exactly a GROUP BY over
-- the leads (RebuildStats computes it so, and the first start after this
-- migration fills them that way). slot is the lead's id modulo 4: it
-- spreads concurrent submissions over four rows, so they do not queue on
-- one row's lock; readers sum over it.

-- The furthest pipeline stage a lead has reached (never "lost"), so a
-- campaign's proposals still count a proposal later lost.
ALTER TABLE leads ADD COLUMN stage_reached TEXT NOT NULL DEFAULT 'new';
UPDATE leads SET stage_reached = status WHERE status NOT IN ('new', 'lost');
UPDATE leads SET stage_reached = (
    SELECT CASE max(max(CASE substr(a.detail, 1, instr(a.detail, ' → ') - 1) WHEN 'new' THEN 1 WHEN 'contacted' THEN 2 WHEN 'qualified' THEN 3 WHEN 'proposal' THEN 4 WHEN 'won' THEN 5 ELSE 1 END, CASE substr(a.detail, instr(a.detail, ' → ') + 3) WHEN 'new' THEN 1 WHEN 'contacted' THEN 2 WHEN 'qualified' THEN 3 WHEN 'proposal' THEN 4 WHEN 'won' THEN 5 ELSE 1 END))
        WHEN 1 THEN 'new' WHEN 2 THEN 'contacted' WHEN 3 THEN 'qualified'
        WHEN 4 THEN 'proposal' ELSE 'won' END
    FROM lead_activity a
    WHERE a.lead_id = leads.id AND a.kind = 'status_changed' AND instr(a.detail, ' → ') > 0
)
WHERE status = 'lost' AND EXISTS (
    SELECT 1 FROM lead_activity a WHERE a.lead_id = leads.id AND a.kind = 'status_changed' AND instr(a.detail, ' → ') > 0
);

-- Leads per creation day (UTC) and everything the reports group them by.
CREATE TABLE lead_stats (
    day                TEXT     NOT NULL,
    diagnostic_version TEXT     NOT NULL,
    utm_source         TEXT     NOT NULL,
    utm_campaign       TEXT     NOT NULL,
    band               TEXT     NOT NULL,
    status             TEXT     NOT NULL,
    stage_reached      TEXT     NOT NULL,
    slot               INTEGER NOT NULL,
    leads              INTEGER  NOT NULL,
    PRIMARY KEY (day, diagnostic_version, utm_source, utm_campaign, band, status, stage_reached, slot)
);
-- A row a change has emptied is deleted (its values may be what an erasure
-- cleared): this index finds them without reading the table.
CREATE INDEX lead_stats_empty ON lead_stats (day) WHERE leads = 0;

-- Leads per score on each dimension ('' is the overall index), for the
-- peer benchmark and for whether scores predict business.
CREATE TABLE score_stats (
    diagnostic_version TEXT     NOT NULL,
    team_bracket       TEXT     NOT NULL,
    dimension          TEXT     NOT NULL,
    score              INTEGER NOT NULL,
    status             TEXT     NOT NULL,
    slot               INTEGER NOT NULL,
    leads              INTEGER  NOT NULL,
    PRIMARY KEY (diagnostic_version, dimension, team_bracket, score, status, slot)
);
CREATE INDEX score_stats_empty ON score_stats (diagnostic_version) WHERE leads = 0;

-- Answers per creation day, question and option chosen.
CREATE TABLE answer_stats (
    day                TEXT     NOT NULL,
    diagnostic_version TEXT     NOT NULL,
    question_id        TEXT     NOT NULL,
    value              INTEGER  NOT NULL,
    slot               INTEGER NOT NULL,
    answers            INTEGER  NOT NULL,
    PRIMARY KEY (diagnostic_version, day, question_id, value, slot)
);
