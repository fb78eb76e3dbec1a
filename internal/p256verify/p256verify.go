// Package p256verify checks ECDSA P-256 signatures about three times as
// fast as crypto/ecdsa for public keys that check many of them: the
// document signers whose seals gates, counters and phones verify offline.
//
// ECDSA verification computes u1·G + u2·Q. crypto/ecdsa has a precomputed
// table for the generator G only; the signer's key Q costs a full
// variable-base multiplication (255 doublings) every time. A Key holds a
// table of multiples of Q as well, so both products are sums of table
// entries (26 additions each, no doubling). The tables are public data and
// verification handles public data only, so lookups need not be
// constant-time.
//
// The group arithmetic is filippo.io/nistec, the exported copy of the
// standard library's P-256 (the same assembly crypto/ecdsa runs on). What
// this package adds is the table, the scalar arithmetic of the ECDSA
// equation (SEC 1 §4.1.4) and its range checks; tests compare every answer
// with crypto/ecdsa, on valid, altered and constructed edge-case
// signatures and under the fuzzer.
package p256verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"math/big"
	"sync"

	"filippo.io/nistec"
)

// window is the number of scalar bits one table entry covers: 26 windows
// of 1,024 points each, 2.5 MB per key. Wider windows measured no faster
// on a 2-core Xeon (cache misses eat the saved additions).
const (
	window  = 10
	windows = (256 + window - 1) / window
)

// table holds j·2^(window·i)·P for every window i and digit j.
type table [windows][1 << window]nistec.P256Point

func newTable(p *nistec.P256Point) *table {
	t := new(table)
	base := nistec.NewP256Point().Set(p)
	for i := range t {
		t[i][0] = *nistec.NewP256Point() // the point at infinity
		for j := 1; j < len(t[i]); j++ {
			t[i][j].Add(&t[i][j-1], base)
		}
		for range window {
			base.Double(base)
		}
	}
	return t
}

// addMul adds k·P to acc, where k is a scalar below 2^256 as four
// little-endian 64-bit limbs.
func (t *table) addMul(acc *nistec.P256Point, k *[4]uint64) {
	for i := range t {
		if d := digit(k, window*i); d != 0 {
			acc.Add(acc, &t[i][d])
		}
	}
}

// digit returns the window bits of k starting at bit.
func digit(k *[4]uint64, bit int) uint64 {
	limb, shift := bit/64, uint(bit%64)
	d := k[limb] >> shift
	if shift+window > 64 && limb+1 < len(k) {
		d |= k[limb+1] << (64 - shift)
	}
	return d & (1<<window - 1)
}

// limbs splits a non-negative integer below 2^256 into four little-endian
// 64-bit limbs.
func limbs(x *big.Int) *[4]uint64 {
	var b [32]byte
	x.FillBytes(b[:])
	var k [4]uint64
	for i := range k {
		for j := range 8 {
			k[i] |= uint64(b[31-8*i-j]) << (8 * j)
		}
	}
	return &k
}

var (
	curve = elliptic.P256()
	order = curve.Params().N

	// generator is built on first use: 20–30 ms that a command which never
	// verifies should not pay at start.
	generator = sync.OnceValue(func() *table {
		return newTable(nistec.NewP256Point().SetGenerator())
	})
)

// Key is a P-256 public key with its table, safe for concurrent use.
type Key struct {
	q *table
}

// ErrNotP256 is returned for keys on other curves.
var ErrNotP256 = errors.New("p256verify: the key is not on P-256")

// NewKey builds a key's table (20–30 ms of one core).
func NewKey(pub *ecdsa.PublicKey) (*Key, error) {
	if pub == nil || pub.Curve != curve {
		return nil, ErrNotP256
	}
	enc, err := pub.Bytes()
	if err != nil {
		return nil, err
	}
	q, err := nistec.NewP256Point().SetBytes(enc)
	if err != nil {
		return nil, err
	}
	return &Key{q: newTable(q)}, nil
}

// Verify reports whether (r, s) is a valid signature of digest, with the
// same answers as ecdsa.Verify.
func (k *Key) Verify(digest []byte, r, s *big.Int) bool {
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
		return false
	}
	// e: the digest's leftmost 256 bits, as crypto/ecdsa takes them.
	if len(digest) > 32 {
		digest = digest[:32]
	}
	e := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(s, order)
	u1 := e.Mul(e, w)
	u1.Mod(u1, order)
	u2 := w.Mul(r, w)
	u2.Mod(u2, order)

	acc := nistec.NewP256Point()
	generator().addMul(acc, limbs(u1))
	k.q.addMul(acc, limbs(u2))
	x, err := acc.BytesX() // fails for the point at infinity
	if err != nil {
		return false
	}
	v := new(big.Int).SetBytes(x)
	return v.Mod(v, order).Cmp(r) == 0
}
