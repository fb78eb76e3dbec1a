package eid

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Token prefixes: a session bearer token and a device token.
const (
	SessionTokenPrefix = "dcs_"
	DeviceTokenPrefix  = "dcd_"
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomString returns n random bytes from crypto/rand as lower-case
// base32, which has no "_" (the separator of tokens).
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return lowerBase32.EncodeToString(b)
}

// newID returns a random identifier of 128 bits.
func newID() string { return randomString(16) }

// newToken returns a fresh token "<prefix><id>_<secret>" with 256 random
// bits of secret, and the SHA-256 of the secret, which is all that is
// stored.
func newToken(prefix, id string) (token string, hash []byte) {
	secret := randomString(32)
	sum := sha256.Sum256([]byte(secret))
	return prefix + id + "_" + secret, sum[:]
}

// parseToken splits a token into id and secret.
func parseToken(prefix, token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, prefix)
	if ok {
		id, secret, ok = strings.Cut(rest, "_")
	}
	return id, secret, ok && id != "" && secret != ""
}

// secretMatches compares a token's secret with a stored hash in constant time.
func secretMatches(secret string, hash []byte) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}

// newOTP returns a uniformly random 6-digit code.
func newOTP() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// otpHash is how a code is stored: an HMAC under the service's key, bound
// to its challenge, so that a copy of the database does not give the
// codes away by trying all million.
func (s *Service) otpHash(challengeID, code string) []byte {
	m := hmac.New(sha256.New, s.opts.OTPKey)
	m.Write([]byte(challengeID + "\x00" + code))
	return m.Sum(nil)
}

// rateKey names a rate-limit bucket without storing who it is about.
func rateKey(kind, subject string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + subject))
	return kind + ":" + hex.EncodeToString(sum[:16])
}

// totpOpts are the TOTP parameters every authenticator app supports.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the time step in which code is valid for secret at now,
// allowing one step of clock skew either way, or false.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / int64(totpOpts.Period)
	var found int64
	ok := 0
	for _, st := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*int64(totpOpts.Period), 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = st, 1
		}
	}
	return found, ok == 1
}

// maskPhone shows only the last three digits of a phone number.
func maskPhone(phone string) string {
	if len(phone) <= 3 {
		return "***"
	}
	return strings.Repeat("*", len(phone)-3) + phone[len(phone)-3:]
}

// maskIDNumber shows the first three and last three digits.
func maskIDNumber(id string) string {
	if len(id) < 8 {
		return "***"
	}
	return id[:3] + strings.Repeat("*", len(id)-6) + id[len(id)-3:]
}

// NormalizePhone returns a Vietnamese mobile number in national form
// (0 and nine digits), accepting +84 and 84 prefixes and spaces, dots and
// hyphens between digits.
func NormalizePhone(s string) (string, error) {
	bad := apperr.Field(apperr.Invalid, "phone", "phone must be a Vietnamese mobile number such as 0912345678")
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '.' || r == '-':
		default:
			return "", bad
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "84") && len(d) == 11 {
		d = "0" + d[2:]
	}
	if len(d) != 10 || d[0] != '0' || !strings.ContainsRune("35789", rune(d[1])) {
		return "", bad
	}
	return d, nil
}
