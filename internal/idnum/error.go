package idnum

import "fmt"

// Stable error codes. Clients and the HTTP layer depend on these strings:
// never rename one.
const (
	CodeInvalidLength     = "invalid_length"
	CodeInvalidDigit      = "invalid_digit"
	CodeUnknownProvince   = "unknown_province"
	CodeInvalidCentury    = "invalid_century"
	CodeInvalidGender     = "invalid_gender"
	CodeYearOutOfRange    = "year_out_of_range"
	CodeGenderMismatch    = "gender_mismatch"
	CodeBirthYearMismatch = "birth_year_mismatch"
)

// Error is a parse or consistency failure: a stable Code for programs and
// a Message for people. The message quotes the offending input, which is
// fine for the officer who typed it but means it must not be logged where
// personal data may not go.
type Error struct {
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return "idnum: " + e.Code + ": " + e.Message }

// errorf returns an *Error with a formatted message.
func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
