// Package accesslog is the tamper-evident log of every access to personal
// data: an append-only sequence of entries hashed into a Merkle tree in the
// manner of Certificate Transparency (RFC 6962 hashing), with signed
// checkpoints in the transparency-dev checkpoint note format, inclusion and
// consistency proofs, and a verifier that recomputes everything from
// storage.
package accesslog

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Actions recorded in the log.
const (
	ActionRead      = "read"      // a person's record was read
	ActionSearch    = "search"    // a person appeared in search results
	ActionHistory   = "history"   // a person's history was read
	ActionCreate    = "create"    // a person was registered
	ActionChange    = "change"    // an event changed a person
	ActionHousehold = "household" // a household was read
)

// Outcomes recorded in the log.
const (
	OutcomeOK       = "ok"
	OutcomeDenied   = "denied"    // outside the caller's jurisdiction or role
	OutcomeNotFound = "not_found" // no such person
	OutcomeRejected = "rejected"  // invalid change, nothing written
)

// Entry is one access: who (actor, role, organisation, unit), why
// (purpose, legal basis), to whom (subject ID number), what (action,
// fields), when and with what outcome.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorRole  string    `json:"actor_role"`
	Org        string    `json:"org,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	LegalBasis string    `json:"legal_basis,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Action     string    `json:"action"`
	Fields     string    `json:"fields,omitempty"` // comma-separated field names, or "*" for the whole record
	Outcome    string    `json:"outcome"`
	RequestID  string    `json:"request_id,omitempty"`
}

// maxFieldBytes bounds each text field of an entry, so that one runaway
// value cannot bloat a batch that other callers share.
const maxFieldBytes = 4096

// Validate reports whether the entry can be stored: actor, action and
// outcome are required, and every text field is valid UTF-8 without NUL
// bytes and at most 4 KiB. It runs before an entry joins a batch, because
// PostgreSQL rejects such text and one bad entry would otherwise fail the
// whole batch for every caller in it.
func (e Entry) Validate() error {
	required := []struct{ name, value string }{
		{"actor", e.Actor}, {"action", e.Action}, {"outcome", e.Outcome},
	}
	for _, f := range required {
		if f.value == "" {
			return apperr.Field(apperr.Invalid, f.name, "access log entry: %s is required", f.name)
		}
	}
	for i, v := range e.textFields() {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 || len(v) > maxFieldBytes {
			name := textFieldNames[i]
			return apperr.Field(apperr.Invalid, name,
				"access log entry: %s must be valid UTF-8 without NUL bytes, at most %d bytes", name, maxFieldBytes)
		}
	}
	return nil
}

// textFieldNames names the values of textFields, in the same order.
var textFieldNames = [...]string{
	"actor", "actor_role", "org", "unit", "purpose", "legal_basis",
	"subject", "action", "fields", "outcome", "request_id",
}

// textFields returns the entry's text fields in their canonical order: the
// order of LeafData and of the table's columns.
func (e Entry) textFields() [11]string {
	return [...]string{
		e.Actor, e.ActorRole, e.Org, e.Unit, e.Purpose, e.LegalBasis,
		e.Subject, e.Action, e.Fields, e.Outcome, e.RequestID,
	}
}
