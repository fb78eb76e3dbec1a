package p256verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"sync"
	"testing"
)

// testKey is one key with its table, shared by the tests: a table takes
// tens of milliseconds to build.
var testKey = sync.OnceValues(func() (*ecdsa.PrivateKey, *Key) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	k, err := NewKey(&priv.PublicKey)
	if err != nil {
		panic(err)
	}
	return priv, k
})

// agree fails the test unless Key.Verify and ecdsa.Verify give the same
// answer, and returns it.
func agree(t testing.TB, digest []byte, r, s *big.Int) bool {
	t.Helper()
	priv, k := testKey()
	want := ecdsa.Verify(&priv.PublicKey, digest, r, s)
	if got := k.Verify(digest, r, s); got != want {
		t.Fatalf("digest %x r %x s %x: Verify = %v, crypto/ecdsa says %v", digest, r, s, got, want)
	}
	return want
}

func TestVerify_AgreesWithCryptoECDSA(t *testing.T) {
	priv, _ := testKey()
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range 300 {
		msg := make([]byte, 1+rng.IntN(64))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		d := sha256.Sum256(msg)
		r, s, err := ecdsa.Sign(rand.Reader, priv, d[:])
		if err != nil {
			t.Fatal(err)
		}
		if !agree(t, d[:], r, s) {
			t.Fatalf("signature %d rejected", i)
		}
		bit := rng.IntN(256)
		flip := func(x *big.Int) *big.Int { return new(big.Int).Xor(x, new(big.Int).Lsh(big.NewInt(1), uint(bit))) }
		d2 := d
		d2[bit/8] ^= 1 << (bit % 8)
		for _, c := range []struct {
			digest []byte
			r, s   *big.Int
		}{{d2[:], r, s}, {d[:], flip(r), s}, {d[:], r, flip(s)}, {d[:], s, r}} {
			if agree(t, c.digest, c.r, c.s) {
				t.Fatalf("altered signature %d accepted", i)
			}
		}
	}
}

func TestVerify_EdgeCases(t *testing.T) {
	priv, _ := testKey()
	n := elliptic.P256().Params().N
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(n, one)
	d := sha256.Sum256([]byte("dancu"))
	r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])

	// e ≡ 0 (mod n): u1 = 0, only the key's table is used.
	zero := make([]byte, 32)
	r0, s0, _ := ecdsa.Sign(rand.Reader, priv, zero)
	nBytes := n.FillBytes(make([]byte, 32))
	rn, sn, _ := ecdsa.Sign(rand.Reader, priv, nBytes)

	// u1·G + u2·Q = infinity: e ≡ −r·d (mod n), for any s.
	inf := new(big.Int).Mul(r, priv.D)
	inf.Neg(inf).Mod(inf, n)
	infDigest := inf.FillBytes(make([]byte, 32))

	long := append(d[:], 0xff, 0xee) // longer than 256 bits: truncated
	rl, sl, _ := ecdsa.Sign(rand.Reader, priv, long)

	for _, c := range []struct {
		name   string
		digest []byte
		r, s   *big.Int
		want   bool
	}{
		{"valid", d[:], r, s, true},
		{"zero digest", zero, r0, s0, true},
		{"digest equal to n", nBytes, rn, sn, true},
		{"long digest", long, rl, sl, true},
		{"short digest", d[:20], r, s, false},
		{"empty digest", nil, r, s, false},
		{"r = 0", d[:], big.NewInt(0), s, false},
		{"s = 0", d[:], r, big.NewInt(0), false},
		{"r negative", d[:], new(big.Int).Neg(r), s, false},
		{"r = n", d[:], n, s, false},
		{"s = n", d[:], r, n, false},
		{"r + n", d[:], new(big.Int).Add(r, n), s, false},
		{"s + n", d[:], r, new(big.Int).Add(s, n), false},
		{"r = n − 1", d[:], nMinus1, s, false},
		{"s = n − 1", d[:], r, nMinus1, false},
		{"−s (mod n): ECDSA is malleable", d[:], r, new(big.Int).Sub(n, s), true},
		{"sum at infinity", infDigest, r, s, false},
		{"huge r", d[:], new(big.Int).Lsh(one, 600), s, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := agree(t, c.digest, c.r, c.s); got != c.want {
				t.Errorf("Verify = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNewKey_RefusesOtherCurves(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKey(&priv.PublicKey); err != ErrNotP256 {
		t.Fatalf("NewKey(P-384) = %v, want ErrNotP256", err)
	}
	if _, err := NewKey(nil); err != ErrNotP256 {
		t.Fatalf("NewKey(nil) = %v, want ErrNotP256", err)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(3, 2)
	keys := make([]*ecdsa.PrivateKey, 3)
	for i := range keys {
		keys[i], _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	check := func(priv *ecdsa.PrivateKey) {
		t.Helper()
		d := sha256.Sum256([]byte("x"))
		r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
		if !c.Verify(&priv.PublicKey, d[:], r, s) {
			t.Fatal("valid signature rejected")
		}
		if c.Verify(&priv.PublicKey, d[:], s, r) {
			t.Fatal("altered signature accepted")
		}
	}
	hasTable := func(priv *ecdsa.PrivateKey) bool {
		enc, _ := priv.PublicKey.Bytes()
		c.mu.Lock()
		defer c.mu.Unlock()
		e := c.keys[string(enc)]
		return e != nil && e.key != nil
	}
	check(keys[0]) // two uses: cold
	if hasTable(keys[0]) {
		t.Fatal("table built before the key was warm")
	}
	check(keys[0])
	if !hasTable(keys[0]) {
		t.Fatal("no table after warm uses")
	}
	for range 2 {
		check(keys[1])
		check(keys[2])
	}
	if hasTable(keys[0]) || !hasTable(keys[1]) || !hasTable(keys[2]) {
		t.Fatal("the oldest table was not the one dropped")
	}
	for range 3 {
		check(p384) // other curves go to crypto/ecdsa
	}
}

func TestCache_Concurrent(t *testing.T) {
	c := NewCache(2, 1)
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := sha256.Sum256([]byte("y"))
	r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if !c.Verify(&priv.PublicKey, d[:], r, s) || c.Verify(&priv.PublicKey, d[:], s, r) {
					t.Error("wrong answer")
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzVerify feeds arbitrary digests and signatures, seeded with valid
// ones, and fails on any disagreement with crypto/ecdsa.
func FuzzVerify(f *testing.F) {
	priv, _ := testKey()
	for i := range 4 {
		d := sha256.Sum256([]byte{byte(i)})
		r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
		f.Add(d[:], r.Bytes(), s.Bytes())
	}
	f.Add([]byte{}, []byte{0}, []byte{1})
	f.Fuzz(func(t *testing.T, digest, r, s []byte) {
		agree(t, digest, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s))
	})
}

func BenchmarkVerify(b *testing.B) {
	priv, k := testKey()
	d := sha256.Sum256([]byte("bench"))
	r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
	b.Run("p256verify", func(b *testing.B) {
		for b.Loop() {
			if !k.Verify(d[:], r, s) {
				b.Fatal("rejected")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	})
	b.Run("crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if !ecdsa.Verify(&priv.PublicKey, d[:], r, s) {
				b.Fatal("rejected")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	})
}

func BenchmarkNewKey(b *testing.B) {
	priv, _ := testKey()
	for b.Loop() {
		if _, err := NewKey(&priv.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
}
