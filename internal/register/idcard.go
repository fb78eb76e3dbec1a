package register

// Chip ID card events (thẻ căn cước): each step of a card's life is an
// event of its holder, with the officer and the legal basis, so that it
// shows in the person's history. internal/card holds the rules; these
// kinds and Apply only record what happened.
const (
	KindCardApplied      Kind = "id_card_applied"      // application received (first card, renewal, reissue, replacement)
	KindCardApproved     Kind = "id_card_approved"     // application approved
	KindCardRejected     Kind = "id_card_rejected"     // application rejected
	KindCardPersonalised Kind = "id_card_personalised" // chip data written and signed, card printed
	KindCardIssued       Kind = "id_card_issued"       // handed to the holder: the card is valid
	KindCardLost         Kind = "id_card_lost"         // reported lost: the card is no longer valid
	KindCardRevoked      Kind = "id_card_revoked"      // revoked (damaged, withdrawn, cancelled)
)

// IsCardKind reports whether k is a chip ID card event.
func IsCardKind(k Kind) bool {
	switch k {
	case KindCardApplied, KindCardApproved, KindCardRejected, KindCardPersonalised, KindCardIssued, KindCardLost, KindCardRevoked:
		return true
	}
	return false
}

// Card statuses as the register's record shows them.
const (
	CardValid   = "valid"
	CardRevoked = "revoked"
)

// IDCard is the chip ID card a person holds (or last held), as the
// register records it. Its number is the holder's ID number; Serial is
// the chip's document number, which tells the person's cards apart.
type IDCard struct {
	ID            string `json:"id"`
	Number        string `json:"number"`
	Serial        string `json:"serial"`
	IssueDate     Date   `json:"issue_date"`
	ExpiryDate    Date   `json:"expiry_date,omitempty"` // empty: valid for life
	Issuer        string `json:"issuer"`
	PhotoRef      string `json:"photo_ref,omitempty"` // digest of the chip's face image (DG2)
	Status        string `json:"status"`              // valid or revoked; expiry is read from ExpiryDate
	RevokedReason string `json:"revoked_reason,omitempty"`
}

// IDCardPayload is the payload of every card event: the card concerned,
// the application's type, the reason of a rejection, loss or revocation,
// and for an issuance the card as issued.
type IDCardPayload struct {
	CardID string  `json:"card_id"`
	Type   string  `json:"type,omitempty"`
	Reason string  `json:"reason,omitempty"`
	Card   *IDCard `json:"card,omitempty"`
}

// applyCard folds a card event into the record: an issuance makes the
// card the person's card, a loss or revocation of that card marks it
// revoked; the other steps change nothing but the version.
func applyCard(n *Person, e *Event) error {
	var pl IDCardPayload
	if err := decode(e, &pl); err != nil {
		return err
	}
	switch e.Kind {
	case KindCardIssued:
		if pl.Card != nil {
			c := *pl.Card
			n.IDCard = &c
		}
	case KindCardLost, KindCardRevoked:
		if n.IDCard != nil && n.IDCard.ID == pl.CardID {
			c := *n.IDCard
			c.Status, c.RevokedReason = CardRevoked, pl.Reason
			n.IDCard = &c
		}
	}
	return nil
}
