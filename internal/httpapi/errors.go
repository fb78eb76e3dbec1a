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

// statuses maps error codes to HTTP statuses: the one place this is done.
// A code not listed is a 500.
var statuses = func() map[string]int {
	m := map[string]int{}
	for status, codes := range map[int][]string{
		http.StatusBadRequest: {apperr.Invalid, apperr.InvalidIDNumber, apperr.InvalidDate, apperr.InvalidUnit, apperr.InvalidJSON,
			apperr.WeakPasscode, apperr.WeakPassword, apperr.PurposeRequired},
		http.StatusUnauthorized:    {apperr.Unauthorized, apperr.InvalidCredentials, apperr.OTPInvalid, apperr.OTPExpired},
		http.StatusPaymentRequired: {apperr.PaymentRequired},
		http.StatusForbidden: {apperr.Forbidden, apperr.Level2Required, apperr.PurposeNotAllowed, apperr.ConsentRequired,
			apperr.ProviderNotRegistered, apperr.DocumentTypeNotAllowed},
		http.StatusNotFound: {apperr.NotFound, apperr.ChallengeNotFound, apperr.PasskeyCeremonyNotFound},
		http.StatusConflict: {apperr.Conflict, apperr.IdempotencyInFlight, apperr.PersonNotLiving, apperr.AccountExists,
			apperr.JobNotDone, apperr.DocumentRevoked, apperr.CardExists, apperr.CardApplicationOpen, apperr.CardRevoked,
			apperr.CardInvalidTransition, apperr.CardNotDue},
		http.StatusUnprocessableEntity: {apperr.IdempotencyKeyReused, apperr.DetailsMismatch, apperr.AttestationFailed,
			apperr.PasskeyInvalid, apperr.CredentialInvalid, apperr.SubjectMismatch},
		http.StatusLocked:             {apperr.AccountLocked},
		http.StatusTooManyRequests:    {apperr.RateLimited},
		http.StatusServiceUnavailable: {apperr.Unavailable, apperr.PKINotInitialised},
	} {
		for _, c := range codes {
			if _, dup := m[c]; dup {
				panic("httpapi: error code " + c + " mapped twice")
			}
			m[c] = status
		}
	}
	return m
}()

// statusOf is the HTTP status of an error code.
func statusOf(code string) int {
	if s, ok := statuses[code]; ok {
		return s
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
