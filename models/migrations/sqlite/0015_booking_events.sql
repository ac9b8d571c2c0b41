-- The scheduling services' events already received (Cal.com, Calendly),
-- kept so that an event delivered twice changes nothing the second time.
-- event_sha256 is a hash of the provider's identity for the event (its
-- booking or invitee and the kind of change), never the person's address.
CREATE TABLE booking_events (
    event_sha256 TEXT     PRIMARY KEY,
    received_at  DATETIME NOT NULL
);
