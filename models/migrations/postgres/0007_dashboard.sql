-- The dashboard's two costly questions at a million leads: leads won in
-- the last 30 days (from the history) and new leads nobody has touched.
CREATE INDEX lead_activity_kind_created_idx ON lead_activity (kind, created_at);
CREATE INDEX leads_untouched_idx ON leads (created_at, id) WHERE status = 'new' AND touched_at IS NULL;
