package card

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The parsers of outside input: what a scanner reads from a QR code, and
// what a reader reads from a chip. None may panic; what they accept must
// re-encode to what they read.

func FuzzParseSeal(f *testing.F) {
	now := time.Now()
	p := newTestPKI(f, now)
	c, _ := testCard(f, p, now)
	qr, err := (&Service{}).identitySealForTest(p, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Seal)
	f.Add(qr)
	f.Add("DCS1:")
	f.Add("DCS1:BB8")
	f.Add(c.PrintedQR)
	v := &Verifier{Trust: p.trust, Revocations: revokedSerials{}}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSeal(text)
		v.Verify(context.Background(), text)
		if err != nil {
			return
		}
		s.Holder()
		b := append(append([]byte{}, s.signed...), sealSigMarker, byte(len(s.Signature)))
		if got := SealPrefix + base45Encode(append(b, s.Signature...)); got != strings.TrimSpace(text) {
			t.Fatalf("re-encoded %q, read %q", got, text)
		}
	})
}

func FuzzParsePrintedQR(f *testing.F) {
	f.Add(PrintedQR(testHolder()))
	f.Add("046195000123|123456789|Trần Văn Ba|1950|Nam|Huế|01012020")
	f.Add("046195000123||A|031995|Nữ||27112026")
	f.Add("||||||")
	f.Fuzz(func(t *testing.T, text string) {
		h, err := ParsePrintedQR(text)
		if err != nil {
			return
		}
		again, err := ParsePrintedQR(PrintedQR(h))
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", PrintedQR(h), err)
		}
		if *again != *h {
			t.Fatalf("round trip: %+v, want %+v", again, h)
		}
	})
}

func FuzzParseSOD(f *testing.F) {
	now := time.Now()
	p := newTestPKI(f, now)
	c, _ := testCard(f, p, now)
	sod, err := ParseSOD(c.Chip.SOD)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Chip.SOD)
	f.Add(sod.CMS)
	f.Add([]byte{0x77, 0x00})
	f.Add([]byte{0x30, 0x80, 0x06, 0x00})
	v := &Verifier{Trust: p.trust}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSOD(b)
		chip := *c.Chip
		chip.SOD = b
		r := v.VerifyChip(context.Background(), &chip)
		if err != nil {
			if r.Result != ResultMalformed {
				t.Fatalf("an unparsable SOD verified as %q", r.Result)
			}
			return
		}
		s.checkDataGroups(&chip)
		if r.Result == ResultValid && !bytes.Equal(s.CMS, sod.CMS) {
			// Only the signed SOD itself (in any wrapping) is valid.
			t.Fatalf("another SOD verified as valid")
		}
	})
}

func FuzzBase45(f *testing.F) {
	f.Add([]byte("ietf!"), "QED8WEX0")
	f.Add([]byte{0xff, 0xff, 0}, "GGW")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		if got, err := base45Decode(base45Encode(b)); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x, %v", b, got, err)
		}
		if d, err := base45Decode(s); err == nil && base45Encode(d) != s {
			t.Fatalf("%q decodes to %x, which encodes to %q", s, d, base45Encode(d))
		}
	})
}
