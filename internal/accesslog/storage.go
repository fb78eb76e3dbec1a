package accesslog

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"
)

// Reader is the read side of the log's storage: what proofs, listings and
// Verify need. Auditing tools can be given a Reader alone.
type Reader interface {
	// AccessLogHashCount returns the number of stored hashes, that is the
	// highest stored-hash index plus one (0 when empty). The tree size
	// follows from it (tlog.StoredHashCount is its inverse).
	AccessLogHashCount(ctx context.Context) (int64, error)
	// AccessLogHashes returns the stored hashes at the given indexes, in
	// the order asked; a missing one is an apperr.NotFound error.
	AccessLogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// AccessLogLatestCheckpoint returns the checkpoint of the largest size,
	// or an apperr.NotFound error when none has been signed yet.
	AccessLogLatestCheckpoint(ctx context.Context) (Checkpoint, error)
	// AccessLogEntries returns the entries that match a normalised filter
	// (see Filter), in the order it asks for.
	AccessLogEntries(ctx context.Context, f Filter) ([]Entry, error)

	// The three pages below let Verify stream the whole log in order with
	// bounded memory, one short read transaction per page.

	// AccessLogEntryPage returns up to limit entries with Seq >= fromSeq,
	// in Seq order.
	AccessLogEntryPage(ctx context.Context, fromSeq int64, limit int) ([]Entry, error)
	// AccessLogHashPage returns up to limit stored hashes with index >=
	// fromIndex, in index order. A stored value that is not 32 bytes long
	// reads as the zero hash, which never matches a computed one.
	AccessLogHashPage(ctx context.Context, fromIndex int64, limit int) ([]IndexedHash, error)
	// AccessLogCheckpointPage returns up to limit checkpoints with Size >=
	// fromSize, in size order. A root that is not 32 bytes long reads as
	// the zero hash.
	AccessLogCheckpointPage(ctx context.Context, fromSize int64, limit int) ([]Checkpoint, error)
}

// Storage is where the log keeps its entries, stored hashes and
// checkpoints. package store implements it on SQL.
type Storage interface {
	Reader
	// AccessLogAppend runs fn in one write transaction that holds the log's
	// exclusive lock — shared by every process using the same database —
	// and commits when fn returns nil. Nothing fn wrote survives an error.
	AccessLogAppend(ctx context.Context, fn func(AppendTx) error) error
}

// AppendTx is the write transaction AccessLogAppend hands to its function.
type AppendTx interface {
	// StoredHashCount is Reader.AccessLogHashCount read under the lock.
	StoredHashCount(ctx context.Context) (int64, error)
	// ReadHashes is Reader.AccessLogHashes inside the transaction.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// InsertEntries stores entries, whose Seq are already assigned.
	InsertEntries(ctx context.Context, entries []Entry) error
	// InsertHashes stores hashes at the consecutive stored-hash indexes
	// firstIndex, firstIndex+1, ….
	InsertHashes(ctx context.Context, firstIndex int64, hashes []tlog.Hash) error
	// AddCheckpoint stores cp unless a checkpoint of that size exists, and
	// returns the one stored.
	AddCheckpoint(ctx context.Context, cp Checkpoint) (Checkpoint, error)
}

// IndexedHash is one stored hash with its tlog stored-hash index.
type IndexedHash struct {
	Index int64
	Hash  tlog.Hash
}

// SecretStore keeps generated secrets such as the checkpoint signing key.
type SecretStore interface {
	// LoadOrCreateSecret returns the secret called name, first storing the
	// value create returns when there is none. When several processes race,
	// all of them get the value stored first.
	LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)
}

// Filter selects entries for Log.Entries.
type Filter struct {
	Subject string // only entries about this person (ID number), if set
	Actor   string // only entries by this actor, if set
	// ExceptActor leaves out the entries by this actor, if set: a citizen
	// sees who else accessed his data, not his own acts.
	ExceptActor string

	// Exclusive Seq bounds, for paging: the next page of an oldest-first
	// listing has AfterSeq = the last Seq seen; of a newest-first listing,
	// BeforeSeq. Pointers because 0 is a valid Seq.
	AfterSeq  *int64
	BeforeSeq *int64

	// Newest lists the newest entries first; the default is oldest first.
	Newest bool
	// Limit caps the entries returned: DefaultLimit when 0, at most
	// MaxLimit.
	Limit int
}

// Listing limits of Filter.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// normalize applies the default and maximum Limit.
func (f Filter) normalize() Filter {
	switch {
	case f.Limit <= 0:
		f.Limit = DefaultLimit
	case f.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	return f
}
