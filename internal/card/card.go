// Package card holds the chip ID cards (thẻ căn cước) of the register:
// the life of a card from application to revocation under the Law on
// Identification 2023, each step a register event of the holder; the
// chip's data groups and their document security object (ICAO 9303 part
// 10, a CMS SignedData over the data groups' hashes); the QR printed on
// the card and a signed seal QR in the manner of an ICAO Visible Digital
// Seal; the short-lived identity QR of e-ID holders used at check-in; and
// the verifier that checks any of these offline with only the published
// certificates (internal/pki). It knows nothing of SQL or HTTP.
package card

import (
	"context"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/register"
)

// Type is the kind of application.
type Type string

// Application types.
const (
	First       Type = "first"       // cấp lần đầu
	Renewal     Type = "renewal"     // cấp đổi at a replacement age, or expired
	Reissue     Type = "reissue"     // cấp lại after a loss
	Replacement Type = "replacement" // cấp đổi of a damaged card or after a change of information
)

// Status is where a card is in its life.
type Status string

// Statuses. A card is valid while issued and not past its expiry date.
const (
	Applied      Status = "applied"
	Approved     Status = "approved"
	Rejected     Status = "rejected"
	Personalised Status = "personalised"
	Issued       Status = "issued"
	Revoked      Status = "revoked"
)

// Revocation reasons.
const (
	ReasonLost      = "lost"
	ReasonReplaced  = "replaced"  // by a newer card of the holder
	ReasonDamaged   = "damaged"   // returned damaged
	ReasonWithdrawn = "withdrawn" // thu hồi (loss of nationality, fraud)
	ReasonCancelled = "cancelled" // personalised, never handed over
)

// validRevocation lists the reasons an officer may give to Revoke (lost
// has its own act, replaced is automatic).
var validRevocation = map[string]bool{ReasonDamaged: true, ReasonWithdrawn: true, ReasonCancelled: true}

// DefaultIssuer is the authority printed on cards: since 1 July 2024 the
// Ministry of Public Security issues them (Law on Identification 2023).
const DefaultIssuer = "Bộ Công an"

// Card is one chip ID card, from its application on. Its number is the
// holder's ID number; Serial, the chip's document number assigned at
// personalisation, tells the holder's cards apart.
type Card struct {
	ID           string        `json:"id"`
	IDNumber     string        `json:"id_number"`
	Type         Type          `json:"type"`
	Status       Status        `json:"status"`
	Reason       string        `json:"reason,omitempty"`
	Replaces     string        `json:"replaces,omitempty"`
	Serial       string        `json:"serial,omitempty"`
	IssueDate    register.Date `json:"issue_date,omitempty"`
	ExpiryDate   register.Date `json:"expiry_date,omitempty"` // empty once issued: valid for life
	SignerSerial string        `json:"signer_serial,omitempty"`
	Seal         string        `json:"seal_qr,omitempty"`
	PrintedQR    string        `json:"printed_qr,omitempty"`
	Unit         string        `json:"unit,omitempty"`
	ReceivedBy   string        `json:"received_by"`
	ApprovedBy   string        `json:"approved_by,omitempty"`
	AppliedAt    time.Time     `json:"applied_at"`
	IssuedAt     *time.Time    `json:"issued_at,omitempty"`
	RevokedAt    *time.Time    `json:"revoked_at,omitempty"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Version      int           `json:"version"`

	Chip *Chip `json:"-"` // from personalisation
}

// Expired reports whether an issued card is past its expiry date on
// today (YYYY-MM-DD): the expiry date itself is still valid.
func (c *Card) Expired(today string) bool {
	return c.ExpiryDate != "" && string(c.ExpiryDate) < today
}

// Valid reports whether the card is valid on today.
func (c *Card) Valid(today string) bool { return c.Status == Issued && !c.Expired(today) }

// open reports whether an application is in progress.
func (c *Card) open() bool {
	return c.Status == Applied || c.Status == Approved || c.Status == Personalised
}

// DueFilter selects valid cards expiring on or before a date in a unit.
type DueFilter struct {
	Before   string // YYYY-MM-DD
	Commune  string // permanent residence commune
	Province string
	After    string // cursor: expiry_date + "," + id_number of the last result
	Limit    int
}

// DueCard is a card due for renewal, with its holder's name.
type DueCard struct {
	CardID     string        `json:"card_id"`
	IDNumber   string        `json:"id_number"`
	FullName   string        `json:"full_name"`
	Commune    string        `json:"commune"`
	Serial     string        `json:"serial"`
	IssueDate  register.Date `json:"issue_date"`
	ExpiryDate register.Date `json:"expiry_date"`
}

// DueCount is the number of cards due in one commune.
type DueCount struct {
	Commune string `json:"commune"`
	Count   int    `json:"count"`
}

// RevokedCard is one entry of the published list of revoked cards.
type RevokedCard struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason"`
}

// Store is the storage cards need.
type Store interface {
	// Card returns a card by id, or not_found.
	Card(ctx context.Context, id string) (*Card, error)
	// CardBySerial returns a card by its chip serial, or not_found.
	CardBySerial(ctx context.Context, serial string) (*Card, error)
	// PersonCards returns a person's cards, oldest first.
	PersonCards(ctx context.Context, idNumber string) ([]*Card, error)
	// CommitCard writes cards and the holder's register record in one
	// transaction: a card of Version 1 is inserted, others updated where
	// their stored version is Version-1 (conflict otherwise). A second
	// valid card or a second open application of a person is a conflict.
	CommitCard(ctx context.Context, cards []*Card, rec register.Record) error
	// DueCards lists valid cards expiring on or before f.Before whose
	// holder's permanent residence is in f's unit, by expiry date.
	DueCards(ctx context.Context, f DueFilter) ([]DueCard, error)
	// DueSummary counts them by commune.
	DueSummary(ctx context.Context, f DueFilter) ([]DueCount, error)
	// RevokedCards lists every revoked card that had a serial.
	RevokedCards(ctx context.Context) ([]RevokedCard, error)
}

// People reads the register.
type People interface {
	Person(ctx context.Context, id string) (*register.Person, error)
}

// AccessLog records accesses; Record returns once they are durable.
type AccessLog interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}
