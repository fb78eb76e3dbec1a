// Package apperr holds dancu's single application error type. Every layer
// returns *Error (or wraps one) so that the HTTP layer can map a stable code
// to a status in one place and never serialise the raw cause.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Stable error codes. Clients depend on these strings: never rename one.
const (
	Invalid      = "invalid"
	NotFound     = "not_found"
	Conflict     = "conflict"
	Unauthorized = "unauthorized"
	Forbidden    = "forbidden"
	RateLimited  = "rate_limited"
	Internal     = "internal"
	Unavailable  = "unavailable"

	InvalidIDNumber      = "invalid_id_number"
	InvalidDate          = "invalid_date"
	InvalidUnit          = "invalid_unit"
	InvalidJSON          = "invalid_json"
	IdempotencyKeyReused = "idempotency_key_reused"
	IdempotencyInFlight  = "idempotency_in_progress"
	PersonNotLiving      = "person_not_living"

	// e-ID accounts (internal/eid).
	DetailsMismatch    = "details_mismatch"    // self-registration details do not match the register
	AccountExists      = "account_exists"      // the person already has an e-ID account
	AccountLocked      = "account_locked"      // too many wrong passcodes or codes: locked until a time
	WeakPasscode       = "weak_passcode"       // passcode not 6 digits, or trivially guessable
	InvalidCredentials = "invalid_credentials" // wrong ID number or passcode (never says which)
	OTPInvalid         = "otp_invalid"         // wrong one-time code
	OTPExpired         = "otp_expired"         // the one-time code's challenge has expired
	ChallengeNotFound  = "challenge_not_found" // no such challenge, or already used
	Level2Required     = "level2_required"     // the act needs a level-2 e-ID account
	AttestationFailed  = "attestation_failed"  // in-person checks (chip, face) did not both pass

	// Partner APIs (internal/ekyc).
	JobNotDone        = "job_not_done"        // a bulk job's result is asked for before it finished
	PurposeRequired   = "purpose_required"    // a partner's read declares no purpose (X-Purpose)
	PurposeNotAllowed = "purpose_not_allowed" // no policy lets the organisation read for that purpose
	ConsentRequired   = "consent_required"    // the policy needs the citizen's consent, which is not given

	// Officer logins (internal/officer).
	WeakPassword = "weak_password" // an officer's password is too short or contains the username

	// Passkeys of e-ID accounts (internal/eid/passkey.go).
	PasskeyCeremonyNotFound = "passkey_ceremony_not_found" // no such passkey ceremony, or already used or expired
	PasskeyInvalid          = "passkey_invalid"            // the authenticator's registration did not verify

	// Integrated documents (internal/documents).
	CredentialInvalid      = "credential_invalid"        // an SD-JWT VC or presentation does not verify
	ProviderNotRegistered  = "provider_not_registered"   // the caller's organisation is not a registered data provider
	DocumentTypeNotAllowed = "document_type_not_allowed" // the provider is not registered for the credential's vct
	SubjectMismatch        = "subject_mismatch"          // the credential's sub is not the citizen's ID number
	DocumentRevoked        = "document_revoked"          // a revoked document can no longer change or be presented

	// Chip ID cards (internal/card) and their PKI (internal/pki).
	CardExists            = "card_exists"             // the person holds a valid card already
	CardApplicationOpen   = "card_application_open"   // an application of the person is in progress
	CardRevoked           = "card_revoked"            // the card is revoked: it can no longer change
	CardInvalidTransition = "card_invalid_transition" // the card's status does not allow this step
	CardNotDue            = "card_not_due"            // a renewal before the card is within two years of its expiry
	PKINotInitialised     = "pki_not_initialised"     // no CSCA, or no signer valid now

	// Public-service portal (internal/portal).
	PaymentRequired = "payment_required" // the dossier's fee is not paid: it cannot be processed
)

// Error is an application error: a stable Code, a human Message safe to
// show to the caller, the offending input Field if any, and the wrapped
// cause, which is for logs and never leaves the process.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
	// RetryAfter, when set, tells the caller how long to wait before
	// trying again (rate limits, lock-outs); HTTP sends it as Retry-After.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E returns a new error with a code and a formatted message.
func E(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an error about one input field.
func Field(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an internal error carrying cause, with context for logs.
func Wrap(cause error, context string) error {
	if cause == nil {
		return nil
	}
	var ae *Error
	if errors.As(cause, &ae) {
		return fmt.Errorf("%s: %w", context, cause)
	}
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", context, cause)}
}

// Code returns the code of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// Message returns the human message of err's *Error, or a generic text.
func Message(err error) string {
	var ae *Error
	if errors.As(err, &ae) && ae.Code != Internal {
		return ae.Message
	}
	return "internal error"
}

// FieldOf returns the offending field of err's *Error, if any.
func FieldOf(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Field
	}
	return ""
}

// Retry returns an error that the caller may retry after a delay.
func Retry(code string, after time.Duration, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), RetryAfter: after}
}

// RetryAfterOf returns the RetryAfter of err's *Error, or 0.
func RetryAfterOf(err error) time.Duration {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool { return Code(err) == code }
