package accesslog

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// sampleEntry returns a complete, valid entry.
func sampleEntry() Entry {
	return Entry{
		Seq: 41, At: time.Date(2025, 3, 1, 8, 30, 0, 123456000, time.UTC),
		Actor: "canbo.hn01", ActorRole: "officer", Org: "CA-HN", Unit: "01",
		Purpose: "residence check", LegalBasis: "Luật Cư trú 2020", Subject: "001090000123",
		Action: ActionRead, Fields: "*", Outcome: OutcomeOK, RequestID: "req-1",
	}
}

func TestLeafData_EveryFieldCounts(t *testing.T) {
	base := sampleEntry()
	tests := []struct {
		name string
		edit func(*Entry)
	}{
		{"seq", func(e *Entry) { e.Seq++ }},
		{"at", func(e *Entry) { e.At = e.At.Add(time.Microsecond) }},
		{"actor", func(e *Entry) { e.Actor += "x" }},
		{"actor role", func(e *Entry) { e.ActorRole = "admin" }},
		{"org", func(e *Entry) { e.Org = "" }},
		{"unit", func(e *Entry) { e.Unit = "02" }},
		{"purpose", func(e *Entry) { e.Purpose = "x" }},
		{"legal basis", func(e *Entry) { e.LegalBasis = "" }},
		{"subject", func(e *Entry) { e.Subject = "001090000124" }},
		{"action", func(e *Entry) { e.Action = ActionSearch }},
		{"fields", func(e *Entry) { e.Fields = "name" }},
		{"outcome", func(e *Entry) { e.Outcome = OutcomeDenied }},
		{"request id", func(e *Entry) { e.RequestID = "req-2" }},
		// Length prefixes keep a boundary shift from colliding.
		{"boundary shift", func(e *Entry) { e.Org, e.Unit = "CA-HN0", "1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.edit(&e)
			if bytes.Equal(LeafData(e), LeafData(base)) {
				t.Errorf("LeafData unchanged after editing %s", tt.name)
			}
			if LeafHash(e) == LeafHash(base) {
				t.Errorf("LeafHash unchanged after editing %s", tt.name)
			}
		})
	}
	t.Run("deterministic", func(t *testing.T) {
		e := base
		e.At = e.At.In(time.FixedZone("ICT", 7*3600)).Add(999) // same microsecond, other zone
		if !bytes.Equal(LeafData(e), LeafData(base)) {
			t.Error("LeafData depends on the time zone or on sub-microsecond time")
		}
		if LeafHash(base) != tlog.RecordHash(LeafData(base)) {
			t.Error("LeafHash is not RecordHash(LeafData)")
		}
	})
}

func TestEntry_Validate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Entry)
		wantField string // "" for valid
	}{
		{"ok", func(e *Entry) {}, ""},
		{"optional fields empty", func(e *Entry) { *e = Entry{Actor: "a", Action: "read", Outcome: "ok"} }, ""},
		{"no actor", func(e *Entry) { e.Actor = "" }, "actor"},
		{"no action", func(e *Entry) { e.Action = "" }, "action"},
		{"no outcome", func(e *Entry) { e.Outcome = "" }, "outcome"},
		{"NUL byte", func(e *Entry) { e.Purpose = "a\x00b" }, "purpose"},
		{"invalid UTF-8", func(e *Entry) { e.Subject = "\xff" }, "subject"},
		{"too long", func(e *Entry) { e.Fields = strings.Repeat("x", maxFieldBytes+1) }, "fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEntry()
			tt.edit(&e)
			err := e.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			ae, ok := err.(*apperr.Error)
			if !ok || ae.Code != apperr.Invalid || ae.Field != tt.wantField {
				t.Fatalf("Validate() = %v, want invalid error on field %q", err, tt.wantField)
			}
		})
	}
}

// fullTree is a reference tlog tree kept in memory.
type fullTree map[int64]tlog.Hash

func (f fullTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = f[x]
	}
	return out, nil
}

func TestCompactTree_MatchesTlog(t *testing.T) {
	full := fullTree{}
	var c compactTree
	for n := int64(0); n < 600; n++ {
		leaf := tlog.RecordHash([]byte{byte(n), byte(n >> 8)})
		want, err := tlog.StoredHashesForRecordHash(n, leaf, full)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.append(leaf)
		if err != nil {
			t.Fatalf("append %d: %v", n, err)
		}
		if len(got) != len(want) {
			t.Fatalf("append %d: %d stored hashes, want %d", n, len(got), len(want))
		}
		for i := range want {
			full[tlog.StoredHashIndex(0, n)+int64(i)] = want[i]
			if got[i] != want[i] {
				t.Fatalf("append %d: stored hash %d differs", n, i)
			}
		}
		wantRoot, _ := tlog.TreeHash(n+1, full)
		if root, err := c.root(); err != nil || root != wantRoot {
			t.Fatalf("root at size %d = %v, %v; want %v", n+1, root, err, wantRoot)
		}
		// Reloading the edge from storage gives the same tree.
		edge, _ := full.ReadHashes(edgeIndexes(n + 1))
		re, err := newCompactTree(n+1, edge)
		if err != nil || re.size != c.size {
			t.Fatalf("reload at size %d: %v", n+1, err)
		}
		if root, _ := re.root(); root != wantRoot {
			t.Fatalf("reloaded root at size %d differs", n+1)
		}
	}
}

func TestTreeSizeAtMost(t *testing.T) {
	for n := int64(0); n < 2000; n++ {
		count := tlog.StoredHashCount(n)
		if size, exact := treeSizeAtMost(count); size != n || !exact {
			t.Fatalf("treeSizeAtMost(StoredHashCount(%d)=%d) = %d, %v; want %d, true", n, count, size, exact, n)
		}
		next := tlog.StoredHashCount(n + 1)
		for c := count + 1; c < next; c++ {
			if size, exact := treeSizeAtMost(c); size != n || exact {
				t.Fatalf("treeSizeAtMost(%d) = %d, %v; want %d, false", c, size, exact, n)
			}
		}
	}
}
