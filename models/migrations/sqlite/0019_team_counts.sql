-- The team view's counts, kept on the lead by the transactions that make
-- invitations and store answers, so the inbox can show a team badge and
-- filter on "has a team view" without a join per row. team_answers counts
-- answers to the lead's own diagnostic version (the only one an invitation
-- can be answered in).
ALTER TABLE leads ADD COLUMN team_invited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN team_answers INTEGER NOT NULL DEFAULT 0;

UPDATE leads SET team_invited = (SELECT COUNT(*) FROM team_invitations i WHERE i.lead_id = leads.id)
WHERE id IN (SELECT lead_id FROM team_invitations);
UPDATE leads SET team_answers = (SELECT COUNT(*) FROM team_answers a
                                 WHERE a.lead_id = leads.id AND a.diagnostic_version = leads.diagnostic_version)
WHERE id IN (SELECT lead_id FROM team_answers);

CREATE INDEX leads_team_created_idx ON leads (created_at DESC, id DESC) WHERE team_invited > 0;
