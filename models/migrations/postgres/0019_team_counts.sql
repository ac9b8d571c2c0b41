-- The team view's counts, kept on the lead by the transactions that make
-- invitations and store answers, so the inbox can show a team badge and
-- filter on "has a team view" at a million leads without a join per row.
-- team_answers counts answers to the lead's own diagnostic version (the
-- only one an invitation can be answered in).
ALTER TABLE leads ADD COLUMN team_invited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN team_answers INTEGER NOT NULL DEFAULT 0;

UPDATE leads SET team_invited = c.n
FROM (SELECT lead_id, COUNT(*) AS n FROM team_invitations GROUP BY lead_id) c
WHERE c.lead_id = leads.id;
UPDATE leads SET team_answers = c.n
FROM (SELECT a.lead_id, COUNT(*) AS n FROM team_answers a JOIN leads l ON l.id = a.lead_id
      WHERE a.diagnostic_version = l.diagnostic_version GROUP BY a.lead_id) c
WHERE c.lead_id = leads.id;

-- Few leads have a team view: a partial index holds just them, in the
-- inbox's order, so the filter reads only those rows.
CREATE INDEX leads_team_created_idx ON leads (created_at DESC, id DESC)
    INCLUDE (team_answers, status, band) WHERE team_invited > 0;
