package accesslog

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// hashReader reads stored hashes through the storage for tlog's provers.
func (l *Log) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return l.storage.AccessLogHashes(ctx, indexes)
	})
}

// checkTreeSize returns an apperr error unless 1 <= size <= the tree size.
func (l *Log) checkTreeSize(ctx context.Context, size int64) error {
	if size < 1 {
		return apperr.E(apperr.Invalid, "access log tree size %d: must be at least 1", size)
	}
	current, err := l.treeSize(ctx)
	if err != nil {
		return err
	}
	if size > current {
		return apperr.E(apperr.NotFound, "access log tree size %d: the log has %d entries", size, current)
	}
	return nil
}

// InclusionProof returns the RFC 6962 audit path proving that entry seq is
// in the tree of the given size (that of a checkpoint), leaf side first.
// An entry the log does not have is apperr.NotFound, a size beyond the tree
// too; an entry not covered by size is apperr.Invalid.
func (l *Log) InclusionProof(ctx context.Context, seq, size int64) ([]tlog.Hash, error) {
	if seq < 0 {
		return nil, apperr.E(apperr.Invalid, "access log entry %d: Seq must not be negative", seq)
	}
	if err := l.checkTreeSize(ctx, size); err != nil {
		if apperr.Code(err) == apperr.NotFound && seq >= size {
			return nil, apperr.E(apperr.NotFound, "access log entry %d: no such entry", seq)
		}
		return nil, err
	}
	if seq >= size {
		return nil, apperr.E(apperr.Invalid, "access log entry %d is not in the tree of size %d", seq, size)
	}
	p, err := tlog.ProveRecord(size, seq, l.hashReader(ctx))
	if err != nil {
		return nil, fmt.Errorf("prove access log entry %d in tree of size %d: %w", seq, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the RFC 6962 proof that the tree of oldSize is a
// prefix of the tree of newSize. It is empty when oldSize is 0 or equals
// newSize.
func (l *Log) ConsistencyProof(ctx context.Context, oldSize, newSize int64) ([]tlog.Hash, error) {
	if oldSize < 0 || oldSize > newSize {
		return nil, apperr.E(apperr.Invalid, "access log consistency from size %d to %d: need 0 <= old <= new", oldSize, newSize)
	}
	if err := l.checkTreeSize(ctx, newSize); err != nil {
		return nil, err
	}
	if oldSize == 0 || oldSize == newSize {
		return []tlog.Hash{}, nil
	}
	p, err := tlog.ProveTree(newSize, oldSize, l.hashReader(ctx))
	if err != nil {
		return nil, fmt.Errorf("prove access log consistency from %d to %d: %w", oldSize, newSize, err)
	}
	return p, nil
}

// VerifyInclusion checks that entry, as shown to a client, is in the tree
// of checkpoint cp by proof (from InclusionProof). cp must come from
// OpenCheckpoint, which checks its signature; this checks only hashes.
// A failure is an apperr.Invalid error.
func VerifyInclusion(entry Entry, proof []tlog.Hash, cp Checkpoint) error {
	if entry.Seq < 0 || entry.Seq >= cp.Size {
		return apperr.E(apperr.Invalid, "access log entry %d is not in the tree of size %d", entry.Seq, cp.Size)
	}
	if err := tlog.CheckRecord(proof, cp.Size, cp.Root, entry.Seq, LeafHash(entry)); err != nil {
		return apperr.E(apperr.Invalid, "access log entry %d: inclusion proof does not verify against checkpoint of size %d", entry.Seq, cp.Size)
	}
	return nil
}

// VerifyConsistency checks by proof (from ConsistencyProof) that the tree
// of checkpoint older is a prefix of the tree of checkpoint newer: that the
// log only grew in between. Both must come from OpenCheckpoint.
func VerifyConsistency(proof []tlog.Hash, older, newer Checkpoint) error {
	bad := apperr.E(apperr.Invalid, "access log checkpoints of sizes %d and %d are not consistent", older.Size, newer.Size)
	switch {
	case older.Size < 0 || older.Size > newer.Size:
		return bad
	case older.Size == 0:
		// The empty tree is a prefix of every tree.
		if len(proof) != 0 {
			return bad
		}
		return nil
	case older.Size == newer.Size:
		if len(proof) != 0 || older.Root != newer.Root {
			return bad
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return bad
	}
	return nil
}

// Entries returns the entries that match f: oldest first unless f.Newest,
// at most f.Limit (DefaultLimit, MaxLimit). It serves a citizen's "who
// accessed my data" (Subject) and auditors (Actor, or everything).
func (l *Log) Entries(ctx context.Context, f Filter) ([]Entry, error) {
	entries, err := l.storage.AccessLogEntries(ctx, f.normalize())
	if err != nil {
		return nil, fmt.Errorf("list access log entries: %w", err)
	}
	return entries, nil
}
