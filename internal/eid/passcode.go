package eid

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

// Argon2Params are the argon2id parameters of passcode hashes.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2 is OWASP's recommended minimum for argon2id: 19 MiB of
// memory, 2 passes, 1 lane, a 16-byte salt and a 32-byte key.
var DefaultArgon2 = Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// HashPasscode returns the argon2id hash of a passcode in PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, both in unpadded
// standard base64.
func HashPasscode(p Argon2Params, passcode string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", apperr.Wrap(err, "passcode salt")
	}
	key := argon2.IDKey([]byte(passcode), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPasscode reports whether passcode matches a PHC hash, comparing in
// constant time with the parameters stored in the hash.
func VerifyPasscode(phc, passcode string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(passcode), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a PHC hash was made with other parameters
// than p: after the parameters rise, a passcode is hashed again with
// them the next time its holder logs in with it.
func NeedsRehash(phc string, p Argon2Params) bool {
	got, _, _, err := parsePHC(phc)
	return err == nil && got != p
}

// parsePHC decodes an argon2id PHC string.
func parsePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	bad := apperr.E(apperr.Internal, "malformed passcode hash")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, bad
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, bad
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, bad
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, bad
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return p, nil, nil, bad
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// CheckPasscode refuses passcodes that are not exactly 6 digits or that
// are trivially guessed: one digit repeated, an ascending or descending
// run (123456, 654321, 890123), the birth date as DDMMYY or YYMMDD, or
// the last six digits of the ID number or the phone.
func CheckPasscode(passcode string, birth register.Date, idNumber, phone string) error {
	weak := func(why string) error {
		return apperr.Field(apperr.WeakPasscode, "passcode", "the passcode must not be %s", why)
	}
	if len(passcode) != 6 || strings.Trim(passcode, "0123456789") != "" {
		return apperr.Field(apperr.WeakPasscode, "passcode", "the passcode must be exactly 6 digits")
	}
	same, up, down := true, true, true
	for i := 1; i < len(passcode); i++ {
		d := int(passcode[i]) - int(passcode[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	switch {
	case same:
		return weak("one digit repeated")
	case up || down:
		return weak("a run of consecutive digits")
	}
	if !birth.Partial() {
		s := string(birth) // YYYY-MM-DD
		yy, mm, dd := s[2:4], s[5:7], s[8:10]
		if passcode == dd+mm+yy || passcode == yy+mm+dd {
			return weak("your birth date")
		}
	}
	if len(idNumber) >= 6 && passcode == idNumber[len(idNumber)-6:] {
		return weak("the end of your ID number")
	}
	if len(phone) >= 6 && passcode == phone[len(phone)-6:] {
		return weak("the end of your phone number")
	}
	return nil
}
