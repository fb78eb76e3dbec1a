-- Data sharing: policies (organisation × purpose → fields, event types,
-- legal basis, consent), citizens' consents, subscriptions to changes,
-- and the transactional outbox of change events with their deliveries.

CREATE TABLE sharing_policies (
	id               TEXT PRIMARY KEY,
	org_id           TEXT NOT NULL,
	purpose          TEXT NOT NULL,
	data             TEXT NOT NULL, -- the policy as JSON
	consent_required BOOLEAN NOT NULL DEFAULT FALSE,
	valid_until      BIGINT,
	created_at       BIGINT NOT NULL,
	revoked_at       BIGINT
);
-- one live policy per organisation and purpose
CREATE UNIQUE INDEX sharing_policies_live ON sharing_policies (org_id, purpose) WHERE revoked_at IS NULL;

CREATE TABLE sharing_consents (
	id         TEXT PRIMARY KEY,
	id_number  TEXT NOT NULL,
	org_id     TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	granted_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX sharing_consents_subject ON sharing_consents (id_number, org_id, purpose);

CREATE TABLE subscriptions (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	client_id   TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	event_types TEXT NOT NULL, -- space-separated
	url         TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	disabled_at BIGINT
);
CREATE INDEX subscriptions_org ON subscriptions (org_id);

-- Written in the same transaction as the register change it reports.
CREATE TABLE event_outbox (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	event_type  TEXT NOT NULL,
	person_id   TEXT NOT NULL,
	occurred_at BIGINT NOT NULL,
	fanned_out  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX event_outbox_pending ON event_outbox (fanned_out, seq);

CREATE TABLE webhook_deliveries (
	id              TEXT PRIMARY KEY,
	subscription_id TEXT NOT NULL,
	event_id        TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	lease_until     BIGINT NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	delivered_at    BIGINT,
	UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
