package card

import (
	"errors"
	"strings"
)

// Base45 (RFC 9285) writes bytes in the 45 characters of a QR code's
// alphanumeric mode, which packs them about 20% tighter than base64 in
// byte mode: the encoding of the EU's health certificates, and of ours.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// base45Encode encodes b.
func base45Encode(b []byte) string {
	var s strings.Builder
	s.Grow((len(b)*3 + 1) / 2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45%45])
		s.WriteByte(base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45])
	}
	return s.String()
}

var errBase45 = errors.New("not base45")

// base45Decode decodes s, refusing characters outside the alphabet,
// a dangling character and groups that overflow.
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errBase45
	}
	out := make([]byte, 0, len(s)*2/3)
	for i := 0; i < len(s); i += 3 {
		var v [3]int
		n := min(3, len(s)-i)
		for j := 0; j < n; j++ {
			d := base45Values[s[i+j]]
			if d < 0 {
				return nil, errBase45
			}
			v[j] = int(d)
		}
		x := v[0] + v[1]*45 + v[2]*2025
		if n == 3 {
			if x > 0xffff {
				return nil, errBase45
			}
			out = append(out, byte(x>>8), byte(x))
		} else {
			if x > 0xff {
				return nil, errBase45
			}
			out = append(out, byte(x))
		}
	}
	return out, nil
}
