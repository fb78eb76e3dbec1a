package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/units"
)

// Page sizes of a citizen's access log.
const (
	citizenLogDefaultLimit = 50
	citizenLogMaxLimit     = 200
)

// citizenLogEntry is one access to the citizen's data: the entry exactly
// as the log hashed it (so that a client recomputes its leaf hash from
// these fields), names that make it readable, and the proof that it is in
// the tree of the page's checkpoint.
type citizenLogEntry struct {
	accesslog.Entry
	// DisplayName names the actor's office (an officer's unit) or client
	// (a relying party's or partner's application), where known.
	DisplayName string `json:"display_name,omitempty"`
	// OrgName names the actor's organisation, where known.
	OrgName string `json:"org_name,omitempty"`
	// LeafIndex is the entry's leaf in the Merkle tree: its Seq.
	LeafIndex int64 `json:"leaf_index"`
	// InclusionProof is the RFC 6962 audit path of the leaf in the tree
	// of the page's checkpoint, base64 hashes, leaf side first.
	InclusionProof []string `json:"inclusion_proof"`
}

// citizenLogPage is a page of a citizen's access log with the signed
// checkpoint that every entry's proof leads to.
type citizenLogPage struct {
	Entries []citizenLogEntry `json:"entries"`
	// Checkpoint is a signed note of the tree; verify it with VerifierKey
	// before trusting its size and root.
	Checkpoint  accesslog.Checkpoint `json:"checkpoint"`
	VerifierKey string               `json:"verifier_key"`
	// NextBefore, when set, asks for the next older page (before=…);
	// NextAfter, when set, the next newer one (after=…).
	NextBefore *int64 `json:"next_before,omitempty"`
	NextAfter  *int64 `json:"next_after,omitempty"`
}

// handleMyAccessLog answers GET /api/v1/eid/me/accesslog?before=&after=&limit=:
// who accessed the citizen's data, when and why — every entry about him
// by anyone else, newest first — with an inclusion proof of each in one
// signed checkpoint, so that his app verifies offline that the log holds
// what it shows. Without after, the page holds the newest entries (older
// than before); with after, the entries just newer than after.
func (s *Server) handleMyAccessLog(w http.ResponseWriter, r *http.Request) {
	acct := citizenOf(r).account
	f := accesslog.Filter{Subject: acct.IDNumber, ExceptActor: actor(r).ID, Newest: true}
	limit, err := citizenLogParams(r, &f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	upward := f.AfterSeq != nil
	f.Newest = !upward
	f.Limit = limit + 1 // one more says whether another page follows
	entries, err := s.Log.Entries(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page := citizenLogPage{Entries: []citizenLogEntry{}, VerifierKey: s.LogVerifierKey}
	if len(entries) > limit {
		entries = entries[:limit]
		last := entries[limit-1].Seq
		if upward {
			page.NextAfter = &last
		} else {
			page.NextBefore = &last
		}
	}
	if upward {
		slices.Reverse(entries)
	}
	// Signed after the entries were read, so that it covers all of them.
	if page.Checkpoint, err = s.Log.Checkpoint(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	names := &actorNames{s: s, cache: map[string]string{}}
	for _, e := range entries {
		proof, err := s.Log.InclusionProof(r.Context(), e.Seq, page.Checkpoint.Size)
		if err != nil {
			writeError(w, r, err)
			return
		}
		item := citizenLogEntry{Entry: e, LeafIndex: e.Seq, InclusionProof: make([]string, len(proof))}
		for i, h := range proof {
			item.InclusionProof[i] = h.String()
		}
		if item.DisplayName, item.OrgName, err = names.of(r.Context(), e); err != nil {
			writeError(w, r, err)
			return
		}
		page.Entries = append(page.Entries, item)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, page)
}

// citizenLogParams reads before, after and limit into f and returns the
// page size.
func citizenLogParams(r *http.Request, f *accesslog.Filter) (int, error) {
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  **int64
	}{{"before", &f.BeforeSeq}, {"after", &f.AfterSeq}} {
		if q.Get(p.name) == "" {
			continue
		}
		v, err := strconv.ParseInt(q.Get(p.name), 10, 64)
		if err != nil || v < 0 {
			return 0, apperr.Field(apperr.Invalid, p.name, "%s is the seq of an entry: a whole number", p.name)
		}
		*p.dst = &v
	}
	limit := citizenLogDefaultLimit
	if q.Get("limit") != "" {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > citizenLogMaxLimit {
			return 0, apperr.Field(apperr.Invalid, "limit", "limit is between 1 and %d", citizenLogMaxLimit)
		}
		limit = n
	}
	return limit, nil
}

// actorNames resolves the display names of one page's actors, each once.
type actorNames struct {
	s     *Server
	cache map[string]string
}

// of returns the display name of e's office or client and the name of its
// organisation, "" where unknown.
func (n *actorNames) of(ctx context.Context, e accesslog.Entry) (display, org string, err error) {
	if id, ok := strings.CutPrefix(e.Actor, "client:"); ok {
		display, err = n.lookup(ctx, "client:"+id, func() (string, error) {
			c, err := n.s.DB.OIDCClient(ctx, id)
			if err != nil {
				return "", err
			}
			return c.Name, nil
		})
	} else if e.Unit != "" {
		display = officeName(e.Unit, e.At)
	}
	if err != nil || e.Org == "" {
		return display, "", err
	}
	org, err = n.lookup(ctx, "org:"+e.Org, func() (string, error) {
		o, err := n.s.DB.EIDOrganisation(ctx, e.Org)
		if err != nil {
			return "", err
		}
		return o.Name, nil
	})
	return display, org, err
}

// lookup returns the cached name of key, or finds it; a name that does not
// exist (any more) is "".
func (n *actorNames) lookup(ctx context.Context, key string, find func() (string, error)) (string, error) {
	if v, ok := n.cache[key]; ok {
		return v, nil
	}
	v, err := find()
	if apperr.Is(err, apperr.NotFound) {
		v, err = "", nil
	}
	if err != nil {
		return "", err
	}
	n.cache[key] = v
	return v, nil
}

// officeName names an officer's unit (a province's 2 digits or a
// commune's 5) as it was at the time of the access, else as it is today:
// "Phường Thuận Hóa", "Thành phố Huế".
func officeName(code string, at time.Time) string {
	level := units.Commune
	if len(code) == 2 {
		level = units.Province
	}
	for _, date := range []string{at.UTC().Format(time.DateOnly), time.Now().UTC().Format(time.DateOnly)} {
		if u, ok := units.Find(code, level, date); ok {
			return u.FullName()
		}
	}
	return ""
}
