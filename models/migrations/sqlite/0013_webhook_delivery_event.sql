-- What "Send again" needs to queue a logged delivery's event as it was:
-- when the event happened (the body's timestamp) and its small change data
-- (lead.updated's fields, lead.consent_withdrawn's purpose) as JSON. Never
-- personal data.
ALTER TABLE webhook_deliveries ADD COLUMN occurred_at DATETIME NULL;
ALTER TABLE webhook_deliveries ADD COLUMN event_data TEXT NOT NULL DEFAULT '';
