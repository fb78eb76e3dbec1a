package accesslog

import (
	"context"
	"fmt"
	"math"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Kinds of Problem.
const (
	ProblemEdited        = "edited"         // an entry's columns no longer hash to its leaf
	ProblemDeleted       = "deleted"        // an entry of the tree is missing
	ProblemInserted      = "inserted"       // an entry row is not in the tree
	ProblemReordered     = "reordered"      // an entry holds another entry's data
	ProblemBadHash       = "bad_hash"       // a stored interior hash is missing or wrong
	ProblemBadCheckpoint = "bad_checkpoint" // a checkpoint disagrees with its columns or the entries
	ProblemBadSignature  = "bad_signature"  // a checkpoint's signature does not verify
)

// Problem is the first thing Verify found wrong. Seq is the entry
// concerned or, for checkpoint kinds, the checkpoint's size.
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// String returns the detail, which names the entry and the kind.
func (p Problem) String() string { return p.Detail }

// Report is the outcome of Verify.
type Report struct {
	OK          bool     `json:"ok"`
	Size        int64    `json:"size"`        // entries verified: the tree size when Verify began
	Signed      int64    `json:"signed"`      // size of the latest checkpoint verified
	Checkpoints int64    `json:"checkpoints"` // checkpoints verified
	Problem     *Problem `json:"problem,omitempty"`
}

// Page sizes of Verify's streams: large enough that round trips do not
// dominate, small enough that memory stays at a few megabytes.
const (
	verifyEntryPage      = 2000
	verifyHashPage       = 4000
	verifyCheckpointPage = 500
)

// Verify checks the log in storage from scratch and reports the first
// problem: it recomputes every leaf hash from the entry columns and every
// stored hash from the leaves (tlog.StoredHashes) and compares them with
// the stored ones; checks that Seq runs from 0 without gaps up to the tree
// size the stored hashes and the latest checkpoint imply, and that no row
// lies beyond; and checks every checkpoint's signature against
// verifierKey, its columns against its signed text, and its root against
// the root recomputed at its size. Consecutive checkpoints are then
// consistent by construction: their roots are recomputed from one sequence
// of leaves. It streams the log in pages and keeps only the tree's right
// edge, so memory does not grow with the log. Entries appended while it
// runs are left to the next run.
//
// Deleting the newest entries together with their hashes and checkpoints
// leaves a shorter log that is consistent in itself; only a checkpoint kept
// elsewhere (published, or held by a witness) reveals that.
func Verify(ctx context.Context, r Reader, verifierKey string) (Report, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Report{}, apperr.E(apperr.Invalid, "access log verifier key: %v", err)
	}
	count, err := r.AccessLogHashCount(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify access log: read size: %w", err)
	}
	w := newWalker(r, v)
	w.hashSize, _ = treeSizeAtMost(count)
	latest, err := r.AccessLogLatestCheckpoint(ctx)
	if err != nil && apperr.Code(err) != apperr.NotFound {
		return Report{}, fmt.Errorf("verify access log: read latest checkpoint: %w", err)
	}
	w.latest, w.cpSize = latest, latest.Size
	end := max(w.hashSize, w.cpSize)
	rep := Report{Size: end}
	p, err := w.walk(ctx, end)
	if err != nil {
		return rep, fmt.Errorf("verify access log: %w", err)
	}
	rep.Signed, rep.Checkpoints = w.signed, w.checkpoints
	rep.Problem, rep.OK = p, p == nil
	return rep, nil
}

// walker holds Verify's state as it streams the log.
type walker struct {
	r           Reader
	verifier    note.Verifier
	hashSize    int64      // tree size implied by the stored hashes
	latest      Checkpoint // the latest checkpoint, as stored
	cpSize      int64      // its size, 0 if there is none
	entries     pager[Entry]
	hashes      pager[IndexedHash]
	cps         pager[Checkpoint]
	tree        compactTree
	recent      recentLeaves
	signed      int64 // size of the last checkpoint verified
	checkpoints int64
}

// newWalker returns a walker at the start of the log.
func newWalker(r Reader, v note.Verifier) *walker {
	return &walker{
		r:        r,
		verifier: v,
		// From the smallest Seq, so that rows with negative Seq are seen.
		entries: pager[Entry]{fetch: r.AccessLogEntryPage, key: func(e Entry) int64 { return e.Seq },
			limit: verifyEntryPage, from: math.MinInt64},
		hashes: pager[IndexedHash]{fetch: r.AccessLogHashPage, key: func(h IndexedHash) int64 { return h.Index },
			limit: verifyHashPage},
		cps: pager[Checkpoint]{fetch: r.AccessLogCheckpointPage, key: func(c Checkpoint) int64 { return c.Size },
			limit: verifyCheckpointPage},
	}
}

// walk verifies entries 0..end-1, the checkpoints up to end, and that no
// entry row lies beyond end.
func (w *walker) walk(ctx context.Context, end int64) (*Problem, error) {
	if p, err := w.checkpointsAt(ctx, 0); p != nil || err != nil {
		return p, err
	}
	for i := int64(0); i < end; i++ {
		if p, err := w.entry(ctx, i); p != nil || err != nil {
			return p, err
		}
		if p, err := w.checkpointsAt(ctx, i+1); p != nil || err != nil {
			return p, err
		}
	}
	return w.beyond(ctx, end)
}

// entry verifies entry i: that its row exists, that its columns hash to the
// stored leaf hash, and that the stored hashes it completes are right.
func (w *walker) entry(ctx context.Context, i int64) (*Problem, error) {
	e, ok, err := w.entries.peek(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return w.deletedToEnd(i), nil
	case e.Seq < i:
		return inserted(e.Seq), nil // only a negative Seq comes before 0
	case e.Seq > i:
		return deleted(i, e.Seq), nil
	}
	leaf := LeafHash(e)
	computed, err := w.tree.append(leaf)
	if err != nil {
		return nil, err
	}
	first := tlog.StoredHashIndex(0, i)
	for k, h := range computed {
		stored, found, err := w.hashes.find(ctx, first+int64(k))
		if err != nil {
			return nil, err
		}
		switch {
		case !found:
			return &Problem{Seq: i, Kind: ProblemBadHash,
				Detail: fmt.Sprintf("entry %d: stored hash %d (level %d) missing", i, first+int64(k), k)}, nil
		case k == 0 && stored.Hash != h:
			return w.classifyMismatch(ctx, e)
		case stored.Hash != h:
			return &Problem{Seq: i, Kind: ProblemBadHash,
				Detail: fmt.Sprintf("entry %d: stored hash %d (level %d) is wrong", i, first+int64(k), k)}, nil
		}
	}
	w.recent.add(i, leaf)
	w.entries.pop()
	return nil, nil
}

// checkpointsAt verifies the checkpoint of the given size, if there is one,
// against the tree, which has just reached that size.
func (w *walker) checkpointsAt(ctx context.Context, size int64) (*Problem, error) {
	cp, ok, err := w.cps.peek(ctx)
	if err != nil || !ok || cp.Size > size {
		return nil, err
	}
	w.cps.pop()
	if cp.Size < size {
		// Sizes below 0 are the only way to get here: sizes are unique.
		return &Problem{Seq: cp.Size, Kind: ProblemBadCheckpoint,
			Detail: fmt.Sprintf("checkpoint of size %d is impossible", cp.Size)}, nil
	}
	if p := w.checkpoint(cp); p != nil {
		return p, nil
	}
	w.signed = cp.Size
	w.checkpoints++
	return nil, nil
}

// badCheckpoint returns a checkpoint problem.
func badCheckpoint(cp Checkpoint, kind, format string, args ...any) *Problem {
	return &Problem{Seq: cp.Size, Kind: kind,
		Detail: fmt.Sprintf("checkpoint of size %d: ", cp.Size) + fmt.Sprintf(format, args...)}
}

// checkNote verifies a checkpoint's signature and that its size and root
// columns state what the signed note does.
func (w *walker) checkNote(cp Checkpoint) *Problem {
	n, err := note.Open([]byte(cp.Note), note.VerifierList(w.verifier))
	if err != nil {
		return badCheckpoint(cp, ProblemBadSignature, "signature does not verify: %v", err)
	}
	body, err := parseCheckpointBody([]byte(n.Text))
	if err != nil {
		return badCheckpoint(cp, ProblemBadCheckpoint, "%v", err)
	}
	if body.Size != cp.Size || body.Root != cp.Root {
		return badCheckpoint(cp, ProblemBadCheckpoint, "stored size or root differs from the signed note (size %d)", body.Size)
	}
	return nil
}

// checkpoint verifies one checkpoint whose size is the tree's.
func (w *walker) checkpoint(cp Checkpoint) *Problem {
	if p := w.checkNote(cp); p != nil {
		return p
	}
	root, err := w.tree.root()
	if err != nil {
		return badCheckpoint(cp, ProblemBadCheckpoint, "%v", err)
	}
	if root != cp.Root {
		// The previous checkpoint matched, so the entries it covers are
		// intact: the change lies after it, with its hashes rewritten.
		return badCheckpoint(cp, ProblemBadCheckpoint,
			"signed root differs from the entries: entries %d to %d were changed and their hashes rewritten",
			w.signed, cp.Size-1)
	}
	return nil
}

// beyond checks that no entry row lies beyond the tree of size end. A row
// there that the stored hashes now cover was appended while Verify ran.
func (w *walker) beyond(ctx context.Context, end int64) (*Problem, error) {
	e, ok, err := w.entries.peek(ctx)
	if err != nil || !ok {
		return nil, err
	}
	count, err := w.r.AccessLogHashCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("read size: %w", err)
	}
	if now, _ := treeSizeAtMost(count); e.Seq < now {
		return nil, nil
	}
	return inserted(e.Seq), nil
}

// inserted is the problem of a row with a Seq outside the tree.
func inserted(seq int64) *Problem {
	return &Problem{Seq: seq, Kind: ProblemInserted, Detail: fmt.Sprintf("entry %d inserted (not in the tree)", seq)}
}

// deleted is the problem of entries from up to (not including) next
// missing.
func deleted(from, next int64) *Problem {
	d := fmt.Sprintf("entry %d deleted", from)
	if next-from > 1 {
		d = fmt.Sprintf("entries %d to %d deleted", from, next-1)
	}
	return &Problem{Seq: from, Kind: ProblemDeleted, Detail: d}
}

// deletedToEnd is the problem of the rows from i to the end missing.
func (w *walker) deletedToEnd(i int64) *Problem {
	cover := fmt.Sprintf("the stored hashes cover %d", w.hashSize)
	if w.cpSize >= w.hashSize {
		// Trust the latest checkpoint's claim only if it is genuine.
		if p := w.checkNote(w.latest); p != nil {
			return p
		}
		cover = fmt.Sprintf("checkpoint of size %d covers them", w.cpSize)
	}
	return &Problem{Seq: i, Kind: ProblemDeleted, Detail: fmt.Sprintf("entries from %d deleted (%s)", i, cover)}
}
