-- The inbox counts matches up to 10,001 on every page. With filters
-- combined (a status, a band and a campaign, say) PostgreSQL counts through
-- the index of the most selective one; carrying the other filter columns
-- in that index lets it check them there, as an index-only scan, instead of
-- reading a heap row for every candidate. Each index keeps its name, keys
-- and order, so every query that used it still does.
DROP INDEX leads_created_idx;
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC)
    INCLUDE (status, band, utm_campaign, utm_source, marketing_opt_in);
DROP INDEX leads_status_created_idx;
CREATE INDEX leads_status_created_idx ON leads (status, created_at DESC, id DESC)
    INCLUDE (band, utm_campaign, utm_source, marketing_opt_in);
DROP INDEX leads_band_created_idx;
CREATE INDEX leads_band_created_idx ON leads (band, created_at DESC, id DESC)
    INCLUDE (status, utm_campaign, utm_source, marketing_opt_in);
DROP INDEX leads_campaign_created_idx;
CREATE INDEX leads_campaign_created_idx ON leads (utm_campaign, created_at DESC, id DESC)
    INCLUDE (status, band, utm_source, marketing_opt_in);
DROP INDEX leads_source_created_idx;
CREATE INDEX leads_source_created_idx ON leads (utm_source, created_at DESC, id DESC)
    INCLUDE (status, band, utm_campaign, marketing_opt_in);
DROP INDEX leads_marketing_created_idx;
CREATE INDEX leads_marketing_created_idx ON leads (created_at DESC, id DESC)
    INCLUDE (status, band, utm_campaign, utm_source) WHERE marketing_opt_in;
