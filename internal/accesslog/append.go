package accesslog

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// append commits entries in one transaction: under the storage's exclusive
// lock it reads the tree size, numbers the entries from it, stores them
// with their stored hashes and, when one is due, a signed checkpoint.
func (l *Log) append(ctx context.Context, entries []Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	var signed *Checkpoint
	var ours string
	err := l.storage.AccessLogAppend(ctx, func(tx AppendTx) error {
		signed = nil // in case the storage retries fn
		first, err := l.syncTree(ctx, tx)
		if err != nil {
			return err
		}
		hashes := make([]tlog.Hash, 0, 2*len(entries)+1)
		for i := range entries {
			entries[i].Seq = first + int64(i)
			hs, err := l.tree.append(LeafHash(entries[i]))
			if err != nil {
				return err
			}
			hashes = append(hashes, hs...)
		}
		if err := tx.InsertEntries(ctx, entries); err != nil {
			return fmt.Errorf("store access log entries: %w", err)
		}
		if err := tx.InsertHashes(ctx, tlog.StoredHashIndex(0, first), hashes); err != nil {
			return fmt.Errorf("store access log hashes: %w", err)
		}
		if now.Sub(l.signedAt) < l.opts.CheckpointEvery {
			return nil
		}
		cp, note, err := l.addCheckpoint(ctx, tx)
		signed, ours = &cp, note
		return err
	})
	if err != nil {
		// The tree may hold hashes that were never committed: reload it.
		l.treeOK = false
		l.stats.failures.Add(1)
		return fmt.Errorf("append %d access log entries: %w", len(entries), err)
	}
	l.stats.entries.Add(int64(len(entries)))
	l.stats.batches.Add(1)
	l.stats.lastBatch.Store(int64(len(entries)))
	if signed != nil {
		l.noteSigned(*signed, ours, now)
	}
	return nil
}

// syncTree reads the tree size under the lock and returns it, reloading the
// cached right edge when the size is not the one cached: on first use,
// after a failed append, or when another process appended meanwhile. The
// reload reads at most 64 hashes.
func (l *Log) syncTree(ctx context.Context, tx AppendTx) (int64, error) {
	count, err := tx.StoredHashCount(ctx)
	if err != nil {
		return 0, fmt.Errorf("read access log size: %w", err)
	}
	size, exact := treeSizeAtMost(count)
	if !exact {
		// Appending would build on a damaged tree: refuse (fail closed).
		return 0, apperr.Wrap(fmt.Errorf("%d stored hashes do not end on an entry (tree of %d entries)", count, size),
			"access log damaged")
	}
	if l.treeOK && l.tree.size == size {
		return size, nil
	}
	edge, err := tx.ReadHashes(ctx, edgeIndexes(size))
	if err != nil {
		return 0, fmt.Errorf("read access log tree edge: %w", err)
	}
	if l.tree, err = newCompactTree(size, edge); err != nil {
		return 0, err
	}
	l.treeOK = true
	return size, nil
}

// addCheckpoint signs the current tree and stores the checkpoint, inside an
// append transaction after syncTree. It returns the checkpoint stored,
// which is an earlier one of the same size if there was one, and the note
// it signed itself.
func (l *Log) addCheckpoint(ctx context.Context, tx AppendTx) (stored Checkpoint, ours string, err error) {
	root, err := l.tree.root()
	if err != nil {
		return Checkpoint{}, "", fmt.Errorf("compute access log root: %w", err)
	}
	cp, err := signCheckpoint(l.signer, l.opts.Origin, l.tree.size, root)
	if err != nil {
		return Checkpoint{}, "", err
	}
	if stored, err = tx.AddCheckpoint(ctx, cp); err != nil {
		return Checkpoint{}, "", fmt.Errorf("store access log checkpoint: %w", err)
	}
	return stored, cp.Note, nil
}

// noteSigned records that a checkpoint was signed; l.mu is held. Only
// one this Log stored counts: a racing node or a concurrent Checkpoint
// call may have stored one of the same size first.
func (l *Log) noteSigned(cp Checkpoint, ours string, at time.Time) {
	l.signedSize, l.signedAt = cp.Size, at
	if cp.Note == ours {
		l.stats.checkpoints.Add(1)
	}
}

// checkpointDue reports whether this Log's appends grew the tree beyond its
// last checkpoint, and how long until the next one is due.
func (l *Log) checkpointDue() (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.treeOK || l.tree.size <= l.signedSize {
		return 0, false
	}
	return max(l.opts.CheckpointEvery-l.opts.Now().Sub(l.signedAt), 0), true
}

// checkpointIfGrown signs a checkpoint if the tree grew since the last one.
func (l *Log) checkpointIfGrown() error {
	if _, ok := l.checkpointDue(); !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	_, err := l.signNow(ctx)
	return err
}

// signNow signs and stores a checkpoint of the tree as it is now.
func (l *Log) signNow(ctx context.Context) (Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	var cp Checkpoint
	var ours string
	err := l.storage.AccessLogAppend(ctx, func(tx AppendTx) error {
		if _, err := l.syncTree(ctx, tx); err != nil {
			return err
		}
		var err error
		cp, ours, err = l.addCheckpoint(ctx, tx)
		return err
	})
	if err != nil {
		l.treeOK = false
		return Checkpoint{}, fmt.Errorf("sign access log checkpoint: %w", err)
	}
	l.noteSigned(cp, ours, now)
	return cp, nil
}

// Checkpoint returns the latest signed checkpoint, first signing one if the
// tree grew since it, so that it covers every entry recorded before the
// call and a proof for any of them can be served against it.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	latest, err := l.storage.AccessLogLatestCheckpoint(ctx)
	found := err == nil
	if err != nil && apperr.Code(err) != apperr.NotFound {
		return Checkpoint{}, fmt.Errorf("read latest access log checkpoint: %w", err)
	}
	size, err := l.treeSize(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if found && latest.Size >= size {
		return latest, nil
	}
	return l.signNow(ctx)
}

// treeSize returns the committed tree size.
func (l *Log) treeSize(ctx context.Context) (int64, error) {
	count, err := l.storage.AccessLogHashCount(ctx)
	if err != nil {
		return 0, fmt.Errorf("read access log size: %w", err)
	}
	size, _ := treeSizeAtMost(count)
	return size, nil
}
