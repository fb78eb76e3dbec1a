package seed

import (
	"fmt"

	"github.com/dancu-vn/dancu/internal/idnum"
)

// allocator hands out unique, random-looking ID numbers without keeping
// every number in memory: per prefix (province, century-gender digit,
// year) it numbers persons 0, 1, 2, … and maps that counter through a
// keyed permutation of [0, 1 000 000), so serials never repeat within a
// run and do not reveal the order of registration.
type allocator struct {
	key     uint64
	counter map[string]uint32
}

func newAllocator(seed uint64) *allocator {
	return &allocator{key: seed*0x9E3779B97F4A7C15 + 1, counter: make(map[string]uint32)}
}

const serialSpace = 1_000_000

func (a *allocator) next(province string, g idnum.Gender, year int) (string, error) {
	n, err := idnum.Make(province, g, year, "000000")
	if err != nil {
		return "", fmt.Errorf("seed: %w", err)
	}
	prefix := n.String()[:6]
	c := a.counter[prefix]
	if c >= serialSpace {
		return "", fmt.Errorf("seed: more than a million persons born in %d with prefix %s", year, prefix)
	}
	a.counter[prefix] = c + 1
	serial := permute(c, a.key^hashString(prefix))
	n, err = idnum.Make(province, g, year, fmt.Sprintf("%06d", serial))
	if err != nil {
		return "", fmt.Errorf("seed: %w", err)
	}
	return n.String(), nil
}

// permute is a bijection on [0, serialSpace): a 4-round Feistel network on
// 20 bits with cycle walking back into range.
func permute(x uint32, key uint64) uint32 {
	for {
		l, r := x>>10, x&0x3FF
		for i := uint64(0); i < 4; i++ {
			f := uint32((uint64(r)*0x5851F42D4C957F2D ^ key>>(i*16) ^ i) * 0x2545F4914F6CDD1D >> 54)
			l, r = r, (l^f)&0x3FF
		}
		x = l<<10 | r
		if x < serialSpace {
			return x
		}
	}
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
