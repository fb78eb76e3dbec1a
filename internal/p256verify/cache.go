package p256verify

import (
	"crypto/ecdsa"
	"math/big"
	"sync"
)

// Cache verifies with crypto/ecdsa until a key has checked warm
// signatures, then builds that key's table, keeping at most max tables
// (the least recently built is dropped). A one-off command never pays for
// a table; a verification service has one per active signer after a few
// dozen requests.
type Cache struct {
	warm, max int

	mu    sync.Mutex
	keys  map[string]*entry
	built []string // keys with a table, oldest first
}

type entry struct {
	uses     int
	building bool
	key      *Key
}

// NewCache returns a cache that builds a table after warm verifications
// with a key and keeps at most max tables.
func NewCache(warm, max int) *Cache {
	return &Cache{warm: warm, max: max, keys: map[string]*entry{}}
}

// shared is the process's cache: 8 tables are 20 MB, and a country has a
// handful of document signers valid at once.
var shared = NewCache(32, 8)

// Verify checks a signature with the process's cache; keys on other curves
// go to crypto/ecdsa.
func Verify(pub *ecdsa.PublicKey, digest []byte, r, s *big.Int) bool {
	return shared.Verify(pub, digest, r, s)
}

// Verify reports whether (r, s) is a valid signature of digest by pub.
func (c *Cache) Verify(pub *ecdsa.PublicKey, digest []byte, r, s *big.Int) bool {
	if k := c.key(pub); k != nil {
		return k.Verify(digest, r, s)
	}
	return ecdsa.Verify(pub, digest, r, s)
}

// key returns pub's table, building it when pub has just become warm; nil
// while it is cold, being built, or not a P-256 key.
func (c *Cache) key(pub *ecdsa.PublicKey) *Key {
	if pub.Curve != curve {
		return nil
	}
	enc, err := pub.Bytes()
	if err != nil {
		return nil
	}
	id := string(enc)
	c.mu.Lock()
	e := c.keys[id]
	if e == nil {
		if len(c.keys) >= 16*c.max {
			c.forgetCold()
		}
		e = &entry{}
		c.keys[id] = e
	}
	if e.key != nil || e.building {
		k := e.key
		c.mu.Unlock()
		return k
	}
	e.uses++
	if e.uses < c.warm {
		c.mu.Unlock()
		return nil
	}
	e.building = true
	c.mu.Unlock()

	k, err := NewKey(pub)

	c.mu.Lock()
	defer c.mu.Unlock()
	e.building = false
	if err != nil {
		e.uses = 0
		return nil
	}
	e.key = k
	c.built = append(c.built, id)
	if len(c.built) > c.max {
		old := c.built[0]
		c.built = c.built[1:]
		delete(c.keys, old)
	}
	return k
}

// forgetCold drops the counts of keys without a table, so that a stream of
// distinct keys cannot grow the map without bound. Called with c.mu held.
func (c *Cache) forgetCold() {
	for id, e := range c.keys {
		if e.key == nil && !e.building {
			delete(c.keys, id)
		}
	}
}
