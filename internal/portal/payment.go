package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Payment statuses.
const (
	PaymentPending = "pending"
	PaymentPaid    = "paid"
	PaymentFailed  = "failed"
)

// Payment is a fee payment of a dossier.
type Payment struct {
	ID          string     `json:"id"`
	DossierID   string     `json:"dossier_id"`
	Provider    string     `json:"provider"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Status      string     `json:"status"`
	QRPayload   string     `json:"qr_payload"` // EMVCo merchant-presented QR (VietQR) to scan in a banking app
	ProviderRef string     `json:"provider_ref,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
}

// Confirmation is a provider's verified word that a payment was made.
type Confirmation struct {
	PaymentID   string
	Amount      int64
	ProviderRef string
	PaidAt      time.Time
}

// Provider is a payment provider: it prepares a payment (a QR payload the
// payer scans) and verifies the callbacks that confirm one.
type Provider interface {
	Name() string
	// Prepare fills the payment's QR payload.
	Prepare(ctx context.Context, p *Payment) error
	// VerifyCallback checks a callback's signature and returns what it
	// confirms; a bad signature is unauthorized.
	VerifyCallback(ctx context.Context, body []byte, h http.Header) (*Confirmation, error)
}

// Sandbox is the built-in test provider. Its QR payloads are real VietQR
// payloads (to a sandbox account), and its callbacks are signed with
// HMAC-SHA256 under a secret shared with the sandbox "bank":
//
//	POST /api/v1/payments/callback/sandbox
//	X-Sandbox-Signature: hex(HMAC-SHA256(secret, body))
//	{"payment_id":"pay_…","amount":10000,"status":"paid","provider_ref":"…","paid_at":"RFC 3339"}
type Sandbox struct {
	Secret []byte
	// BankBIN and Account are the beneficiary of the QR payloads.
	BankBIN, Account, MerchantName, City string
}

// SandboxSignatureHeader carries the sandbox callback's signature.
const SandboxSignatureHeader = "X-Sandbox-Signature"

// Name implements Provider.
func (s *Sandbox) Name() string { return "sandbox" }

// Prepare implements Provider.
func (s *Sandbox) Prepare(ctx context.Context, p *Payment) error {
	q := VietQR{BankBIN: s.BankBIN, Account: s.Account, Amount: p.Amount, MerchantName: s.MerchantName,
		City: s.City, Bill: p.ID, Purpose: "DANCU " + p.DossierID}
	payload, err := q.Payload()
	if err != nil {
		return err
	}
	p.QRPayload = payload
	return nil
}

// sandboxCallback is the body of a sandbox callback.
type sandboxCallback struct {
	PaymentID   string    `json:"payment_id"`
	Amount      int64     `json:"amount"`
	Status      string    `json:"status"`
	ProviderRef string    `json:"provider_ref"`
	PaidAt      time.Time `json:"paid_at"`
}

// Sign returns the signature header value of a callback body.
func (s *Sandbox) Sign(body []byte) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// CallbackBody returns a signed callback confirming a payment, as the
// sandbox bank sends it.
func (s *Sandbox) CallbackBody(p *Payment, ref string, at time.Time) (body []byte, signature string) {
	body, _ = json.Marshal(sandboxCallback{PaymentID: p.ID, Amount: p.Amount, Status: PaymentPaid, ProviderRef: ref, PaidAt: at.UTC()})
	return body, s.Sign(body)
}

// VerifyCallback implements Provider.
func (s *Sandbox) VerifyCallback(ctx context.Context, body []byte, h http.Header) (*Confirmation, error) {
	got, err := hex.DecodeString(h.Get(SandboxSignatureHeader))
	if err != nil || len(s.Secret) == 0 || !hmac.Equal(got, mustHex(s.Sign(body))) {
		return nil, apperr.E(apperr.Unauthorized, "the callback's signature does not verify")
	}
	var cb sandboxCallback
	if err := json.Unmarshal(body, &cb); err != nil {
		return nil, apperr.E(apperr.InvalidJSON, "invalid callback body: %v", err)
	}
	if cb.Status != PaymentPaid || cb.PaymentID == "" {
		return nil, apperr.E(apperr.Invalid, "the callback confirms no payment")
	}
	return &Confirmation{PaymentID: cb.PaymentID, Amount: cb.Amount, ProviderRef: cb.ProviderRef, PaidAt: cb.PaidAt}, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// VietQR is a VietQR (NAPAS 247) payment request: an EMVCo
// merchant-presented QR code (EMV QRCPS-MPM) to a bank account.
type VietQR struct {
	BankBIN      string // 6-digit acquirer BIN of the beneficiary's bank
	Account      string // beneficiary account number
	Amount       int64  // VND, no decimals
	MerchantName string // ASCII, at most 25 characters
	City         string // ASCII, at most 15 characters
	Bill         string // bill number: the payment id
	Purpose      string // purpose of transaction: shown to the payer and echoed in the transfer
}

// Payload returns the EMVCo payload. Each data object is ID (2 digits),
// length (2 digits) and value:
//
//	00 "01"          payload format indicator
//	01 "12"          point of initiation: dynamic (one payment)
//	38 …             merchant account information, VietQR template:
//	   00 A000000727   NAPAS's globally unique identifier
//	   01 …            beneficiary: 00 acquirer BIN, 01 account number
//	   02 QRIBFTTA     service: inter-bank fast transfer to an account
//	52 "9399"        merchant category: government services
//	53 "704"         currency: Vietnamese dong (ISO 4217)
//	54 amount        transaction amount
//	58 "VN"          country
//	59 name          merchant name
//	60 city          merchant city
//	62 …             additional data: 01 bill number, 08 purpose
//	63 CRC           CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over
//	                 everything before it including "6304", 4 upper-case hex digits
func (q VietQR) Payload() (string, error) {
	if len(q.BankBIN) != 6 || !digits(q.BankBIN) || q.Account == "" || !digits(q.Account) || len(q.Account) > 19 {
		return "", apperr.E(apperr.Invalid, "a VietQR needs a 6-digit bank BIN and an account number")
	}
	if q.Amount <= 0 {
		return "", apperr.E(apperr.Invalid, "a VietQR payment needs a positive amount")
	}
	var b strings.Builder
	tlv(&b, "00", "01")
	tlv(&b, "01", "12")
	var bene, mai strings.Builder
	tlv(&bene, "00", q.BankBIN)
	tlv(&bene, "01", q.Account)
	tlv(&mai, "00", "A000000727")
	tlv(&mai, "01", bene.String())
	tlv(&mai, "02", "QRIBFTTA")
	tlv(&b, "38", mai.String())
	tlv(&b, "52", "9399")
	tlv(&b, "53", "704")
	tlv(&b, "54", strconv.FormatInt(q.Amount, 10))
	tlv(&b, "58", "VN")
	tlv(&b, "59", ascii(q.MerchantName, 25))
	tlv(&b, "60", ascii(q.City, 15))
	var add strings.Builder
	if q.Bill != "" {
		tlv(&add, "01", ascii(q.Bill, 25))
	}
	if q.Purpose != "" {
		tlv(&add, "08", ascii(q.Purpose, 25))
	}
	if add.Len() > 0 {
		tlv(&b, "62", add.String())
	}
	b.WriteString("6304")
	return b.String() + fmt.Sprintf("%04X", CRC16(b.String())), nil
}

// tlv writes one EMVCo data object.
func tlv(b *strings.Builder, id, v string) {
	fmt.Fprintf(b, "%s%02d%s", id, len(v), v)
}

// ascii keeps printable ASCII (EMVCo's alphanumeric special set) and cuts
// to n characters.
func ascii(s string, n int) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r >= 0x20 && r < 0x7f && len(out) < n {
			out = append(out, byte(r))
		}
	}
	return string(out)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// CRC16 is CRC-16/CCITT-FALSE, the checksum of EMVCo QR payloads:
// polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
func CRC16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// ParseEMV splits an EMVCo payload into its top-level data objects and
// checks its CRC.
func ParseEMV(payload string) (map[string]string, error) {
	if !utf8.ValidString(payload) || len(payload) < 8 || payload[len(payload)-8:len(payload)-4] != "6304" {
		return nil, apperr.E(apperr.Invalid, "not an EMVCo payload ending in a CRC")
	}
	if want := fmt.Sprintf("%04X", CRC16(payload[:len(payload)-4])); want != payload[len(payload)-4:] {
		return nil, apperr.E(apperr.Invalid, "the CRC is %s, not %s", payload[len(payload)-4:], want)
	}
	return ParseTLV(payload)
}

// ParseTLV splits EMVCo data objects.
func ParseTLV(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		if len(s) < 4 {
			return nil, apperr.E(apperr.Invalid, "truncated data object")
		}
		n, err := strconv.Atoi(s[2:4])
		if err != nil || len(s) < 4+n {
			return nil, apperr.E(apperr.Invalid, "bad length in data object %s", s[:2])
		}
		out[s[:2]] = s[4 : 4+n]
		s = s[4+n:]
	}
	return out, nil
}
