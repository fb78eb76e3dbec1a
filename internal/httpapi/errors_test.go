package httpapi

import (
	"net/http"
	"testing"

	"github.com/dancu-vn/dancu/internal/apperr"
)

func TestStatusOf(t *testing.T) {
	for code, want := range map[string]int{
		apperr.Invalid:              http.StatusBadRequest,
		apperr.WeakPasscode:         http.StatusBadRequest,
		apperr.Unauthorized:         http.StatusUnauthorized,
		apperr.OTPExpired:           http.StatusUnauthorized,
		apperr.PaymentRequired:      http.StatusPaymentRequired,
		apperr.ConsentRequired:      http.StatusForbidden,
		apperr.NotFound:             http.StatusNotFound,
		apperr.CardNotDue:           http.StatusConflict,
		apperr.IdempotencyKeyReused: http.StatusUnprocessableEntity,
		apperr.AccountLocked:        http.StatusLocked,
		apperr.RateLimited:          http.StatusTooManyRequests,
		apperr.PKINotInitialised:    http.StatusServiceUnavailable,
		apperr.Internal:             http.StatusInternalServerError,
		"no_such_code":              http.StatusInternalServerError,
	} {
		if got := statusOf(code); got != want {
			t.Errorf("statusOf(%q) = %d, want %d", code, got, want)
		}
	}
}
