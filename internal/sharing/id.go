package sharing

import (
	"crypto/rand"
	"encoding/hex"
)

func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return hex.EncodeToString(b)
}
