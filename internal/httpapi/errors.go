package httpapi

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/dancu-vn/dancu/internal/apperr"
)

var notFoundRoute = apperr.E(apperr.NotFound, "no such route")

// statusOf maps error codes to HTTP statuses: the one place this is done.
func statusOf(code string) int {
	switch code {
	case apperr.Invalid, apperr.InvalidIDNumber, apperr.InvalidDate, apperr.InvalidUnit, apperr.InvalidJSON:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict, apperr.IdempotencyInFlight, apperr.PersonNotLiving:
		return http.StatusConflict
	case apperr.IdempotencyKeyReused:
		return http.StatusUnprocessableEntity
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.WeakPasscode, apperr.WeakPassword:
		return http.StatusBadRequest
	case apperr.DetailsMismatch, apperr.AttestationFailed:
		return http.StatusUnprocessableEntity
	case apperr.AccountExists:
		return http.StatusConflict
	case apperr.AccountLocked:
		return http.StatusLocked
	case apperr.InvalidCredentials, apperr.OTPInvalid, apperr.OTPExpired:
		return http.StatusUnauthorized
	case apperr.ChallengeNotFound:
		return http.StatusNotFound
	case apperr.Level2Required:
		return http.StatusForbidden
	case apperr.JobNotDone:
		return http.StatusConflict
	case apperr.PurposeRequired:
		return http.StatusBadRequest
	case apperr.PurposeNotAllowed, apperr.ConsentRequired:
		return http.StatusForbidden
	case apperr.PasskeyCeremonyNotFound:
		return http.StatusNotFound
	case apperr.PasskeyInvalid:
		return http.StatusUnprocessableEntity
	case apperr.CredentialInvalid, apperr.SubjectMismatch:
		return http.StatusUnprocessableEntity
	case apperr.ProviderNotRegistered, apperr.DocumentTypeNotAllowed:
		return http.StatusForbidden
	case apperr.DocumentRevoked:
		return http.StatusConflict
	case apperr.CardExists, apperr.CardApplicationOpen, apperr.CardRevoked, apperr.CardInvalidTransition, apperr.CardNotDue:
		return http.StatusConflict
	case apperr.Unavailable, apperr.PKINotInitialised:
		return http.StatusServiceUnavailable
	case apperr.PaymentRequired:
		return http.StatusPaymentRequired
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers with err's code and message. Internal errors are
// logged (the route pattern, never the path, which may hold an ID number)
// and their cause is never sent.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.Code(err)
	status := statusOf(code)
	if status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "code", code, "err", err)
	}
	if d := apperr.RetryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: apperr.Message(err), Field: apperr.FieldOf(err)}})
}

// writeJSON encodes v with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// decodeJSON reads a request body strictly: unknown fields and trailing
// data are errors, so that a misspelt field never passes silently.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.E(apperr.InvalidJSON, "invalid JSON body: %v", err)
	}
	if dec.More() {
		return apperr.E(apperr.InvalidJSON, "invalid JSON body: trailing data")
	}
	return nil
}
