package accesslog

import (
	"encoding/binary"

	"golang.org/x/mod/sumdb/tlog"
)

// leafVersion is the first byte of LeafData, so that a future encoding can
// never be confused with this one.
const leafVersion = 1

// LeafData returns the entry's canonical bytes, the input of its Merkle leaf
// hash. Every field takes part, Seq and At included, so that editing,
// reordering or renumbering a stored row changes its hash. The layout, for
// auditors who reimplement it:
//
//	1 byte   version (1)
//	8 bytes  Seq, big-endian two's complement
//	8 bytes  At as Unix microseconds (UTC), big-endian two's complement
//	then for Actor, ActorRole, Org, Unit, Purpose, LegalBasis, Subject,
//	Action, Fields, Outcome, RequestID in this order:
//	4 bytes  length in bytes, big-endian, followed by the UTF-8 bytes
//
// Length prefixes make the encoding unambiguous: no two different entries
// share their bytes. At counts only to the microsecond, the precision the
// database stores.
func LeafData(e Entry) []byte {
	fields := e.textFields()
	n := 1 + 8 + 8
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, leafVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro()))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// LeafHash returns the entry's Merkle leaf hash, RFC 6962's
// SHA-256(0x00 || LeafData(e)).
func LeafHash(e Entry) tlog.Hash {
	return tlog.RecordHash(LeafData(e))
}
