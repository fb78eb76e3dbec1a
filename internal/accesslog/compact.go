package accesslog

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// compactTree is the right edge of a Merkle tree: for a tree of size n, the
// hash of the complete subtree for each 1 bit of n. That is all
// tlog.StoredHashes reads to append a record and all tlog.TreeHash reads to
// compute the root, so appending and verifying need O(log n) memory and no
// reads of earlier hashes. It serves exactly those hashes as a
// tlog.HashReader and refuses any other.
type compactTree struct {
	size int64
	// levels[l] is the hash of the 2^l leaves ending at the largest multiple
	// of 2^l not above size, valid when bit l of size is set.
	levels [64]tlog.Hash
}

// edgeIndexes returns the stored-hash indexes of the right edge of a tree
// of the given size, largest subtree first (the order tlog.TreeHash asks).
func edgeIndexes(size int64) []int64 {
	var idx []int64
	for l := 63; l >= 0; l-- {
		if size>>l&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(l, size>>l-1))
		}
	}
	return idx
}

// newCompactTree builds the right edge of a tree of the given size from the
// stored hashes at edgeIndexes(size), in that order.
func newCompactTree(size int64, edge []tlog.Hash) (compactTree, error) {
	c := compactTree{size: size}
	want := bits.OnesCount64(uint64(size))
	if len(edge) != want {
		return c, fmt.Errorf("right edge of a tree of size %d has %d hashes, got %d", size, want, len(edge))
	}
	i := 0
	for l := 63; l >= 0; l-- {
		if size>>l&1 == 1 {
			c.levels[l] = edge[i]
			i++
		}
	}
	return c, nil
}

// ReadHashes implements tlog.HashReader for the right edge only.
func (c *compactTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		level, n := tlog.SplitStoredHashIndex(idx)
		if level >= 64 || c.size>>level&1 == 0 || n != c.size>>level-1 {
			return nil, fmt.Errorf("stored hash %d is not on the right edge of a tree of size %d", idx, c.size)
		}
		out[i] = c.levels[level]
	}
	return out, nil
}

// append adds a leaf and returns the hashes to store for it, starting at
// stored-hash index tlog.StoredHashIndex(0, old size).
func (c *compactTree) append(leaf tlog.Hash) ([]tlog.Hash, error) {
	hashes, err := tlog.StoredHashesForRecordHash(c.size, leaf, c)
	if err != nil {
		return nil, fmt.Errorf("hash entry %d: %w", c.size, err)
	}
	// The new leaf completes subtrees at levels 0..m-1, whose bits of the
	// size clear, and sets bit m with the last hash.
	m := len(hashes) - 1
	c.levels[m] = hashes[m]
	c.size++
	return hashes, nil
}

// root returns the tree's root hash (SHA-256 of nothing when empty, as RFC
// 6962 defines).
func (c *compactTree) root() (tlog.Hash, error) {
	return tlog.TreeHash(c.size, c)
}

// treeSizeAtMost returns the size of the largest tree whose stored hashes
// fit in count, and whether they fill it exactly. A count that does not
// end on a record boundary means stored hashes were lost or added.
func treeSizeAtMost(count int64) (size int64, exact bool) {
	if count <= 0 {
		return 0, count == 0
	}
	// The last stored hash of a tree of size n belongs to record n-1, at
	// the highest level that record completes; invert that, then step back
	// if count cut a record's hashes short.
	level, n := tlog.SplitStoredHashIndex(count - 1)
	size = (n + 1) << level
	for size > 0 && tlog.StoredHashCount(size) > count {
		size--
	}
	return size, tlog.StoredHashCount(size) == count
}
