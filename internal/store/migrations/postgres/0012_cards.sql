-- Chip ID cards (capability 2): each card from application to revocation,
-- the country signing CA and its signers, and the CRLs they published.
-- See docs/cards.md. Instants are unix microseconds (BIGINT); dates are text.

-- One row per card, from the application on. The register holds the
-- history (one event per step); this row is the card's current state and
-- its chip data.
CREATE TABLE id_cards (
	id            TEXT PRIMARY KEY,
	id_number     CHAR(12) NOT NULL,
	type          TEXT NOT NULL CHECK (type IN ('first', 'renewal', 'reissue', 'replacement')),
	status        TEXT NOT NULL CHECK (status IN ('applied', 'approved', 'rejected', 'personalised', 'issued', 'revoked')),
	reason        TEXT NOT NULL DEFAULT '', -- of the application, rejection or revocation
	replaces      TEXT NOT NULL DEFAULT '', -- the card this one replaces when issued
	serial        TEXT UNIQUE,              -- the chip's document number, from personalisation
	issue_date    TEXT NOT NULL DEFAULT '',
	expiry_date   TEXT NOT NULL DEFAULT '', -- '' once issued: valid for life (issued at 60 or later)
	signer_serial TEXT NOT NULL DEFAULT '',
	chip          TEXT NOT NULL DEFAULT '', -- data groups and document security object (JSON, docs/cards.md)
	seal          TEXT NOT NULL DEFAULT '', -- the signed QR printed on the card
	unit          TEXT NOT NULL DEFAULT '', -- the office that received the application
	received_by   TEXT NOT NULL,
	approved_by   TEXT NOT NULL DEFAULT '',
	applied_at    BIGINT NOT NULL,
	issued_at     BIGINT,
	revoked_at    BIGINT,
	updated_at    BIGINT NOT NULL,
	version       INTEGER NOT NULL
);
-- at most one valid card per person, and one application in progress
CREATE UNIQUE INDEX id_cards_valid ON id_cards (id_number) WHERE status = 'issued';
CREATE UNIQUE INDEX id_cards_open ON id_cards (id_number) WHERE status IN ('applied', 'approved', 'personalised');
-- serves: GET /api/v1/persons/{id}/cards
CREATE INDEX id_cards_person ON id_cards (id_number, applied_at);
-- serves: due renewals (valid cards expiring before a date)
CREATE INDEX id_cards_due ON id_cards (expiry_date, id_number) WHERE status = 'issued' AND expiry_date <> '';
-- serves: the published list of revoked cards
CREATE INDEX id_cards_revoked ON id_cards (revoked_at) WHERE status = 'revoked' AND serial IS NOT NULL;

-- The CSCA's and the signers' certificates. A signer's private key
-- (PKCS #8) is kept here so that every node signs; the CSCA's is not: it
-- stays in the PKI folder of `dancu pki`.
CREATE TABLE pki_certificates (
	serial        TEXT PRIMARY KEY, -- hex
	role          TEXT NOT NULL CHECK (role IN ('csca', 'document_signer', 'identity_signer')),
	subject       TEXT NOT NULL,
	der           BYTEA NOT NULL,
	private_key   BYTEA,
	not_before    BIGINT NOT NULL,
	not_after     BIGINT NOT NULL,
	created_at    BIGINT NOT NULL,
	retired_at    BIGINT, -- stopped signing (rotated); still published
	revoked_at    BIGINT,
	revoke_reason TEXT NOT NULL DEFAULT ''
);

-- CRLs issued by the CSCA, newest published.
CREATE TABLE pki_crls (
	number      BIGINT PRIMARY KEY,
	issuer      TEXT NOT NULL, -- serial of the CSCA certificate
	der         BYTEA NOT NULL,
	this_update BIGINT NOT NULL,
	next_update BIGINT NOT NULL
);
