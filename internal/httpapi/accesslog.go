package httpapi

import (
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// handleCheckpointGet answers GET /api/v1/accesslog/checkpoint: the latest
// signed checkpoint as a note (text/plain), signing a fresh one if the log
// grew, so that any recorded entry can be proved against it.
func (s *Server) handleCheckpointGet(w http.ResponseWriter, r *http.Request) {
	cp, err := s.Log.Checkpoint(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(cp.Note))
}

// handleLogKeyGet answers GET /api/v1/accesslog/key: the note verifier key
// that checkpoints are signed with.
func (s *Server) handleLogKeyGet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(s.LogVerifierKey + "\n"))
}

// proofResult is an inclusion or consistency proof.
type proofResult struct {
	Seq     *int64   `json:"seq,omitempty"`
	OldSize *int64   `json:"old_size,omitempty"`
	Size    int64    `json:"size"`
	Hashes  []string `json:"hashes"` // base64, RFC 6962 order
}

func int64Param(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil {
		return 0, apperr.Field(apperr.Invalid, name, "%s must be a whole number", name)
	}
	return v, nil
}

// handleInclusionProof answers GET /api/v1/accesslog/proofs/inclusion?seq=&size=.
func (s *Server) handleInclusionProof(w http.ResponseWriter, r *http.Request) {
	s.writeProof(w, r, "seq", func(seq, size int64) (proofResult, []tlog.Hash, error) {
		p, err := s.Log.InclusionProof(r.Context(), seq, size)
		return proofResult{Seq: &seq, Size: size}, p, err
	})
}

// handleConsistencyProof answers GET /api/v1/accesslog/proofs/consistency?old_size=&size=.
func (s *Server) handleConsistencyProof(w http.ResponseWriter, r *http.Request) {
	s.writeProof(w, r, "old_size", func(old, size int64) (proofResult, []tlog.Hash, error) {
		p, err := s.Log.ConsistencyProof(r.Context(), old, size)
		return proofResult{OldSize: &old, Size: size}, p, err
	})
}

// writeProof reads the two integer parameters of a proof request (first,
// then size), computes the proof and writes it.
func (s *Server) writeProof(w http.ResponseWriter, r *http.Request, first string, prove func(a, size int64) (proofResult, []tlog.Hash, error)) {
	a, err := int64Param(r, first)
	if err != nil {
		writeError(w, r, err)
		return
	}
	size, err := int64Param(r, "size")
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, p, err := prove(a, size)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res.Hashes = make([]string, len(p))
	for i, h := range p {
		res.Hashes[i] = h.String()
	}
	writeJSON(w, http.StatusOK, res)
}

// handleLogEntries answers GET /api/v1/accesslog/entries?subject=&actor=&after=&limit=:
// entries for auditors, oldest first.
func (s *Server) handleLogEntries(w http.ResponseWriter, r *http.Request) {
	if actor(r).Role != auth.RoleAuditor {
		writeError(w, r, apperr.E(apperr.Forbidden, "only auditors read the access log"))
		return
	}
	q := r.URL.Query()
	f := accesslog.Filter{Subject: q.Get("subject"), Actor: q.Get("actor")}
	if q.Get("after") != "" {
		after, err := int64Param(r, "after")
		if err != nil {
			writeError(w, r, err)
			return
		}
		f.AfterSeq = &after
	}
	if q.Get("limit") != "" {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 1000 {
			writeError(w, r, apperr.Field(apperr.Invalid, "limit", "limit is between 1 and 1000"))
			return
		}
		f.Limit = n
	}
	es, err := s.Log.Entries(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if es == nil {
		es = []accesslog.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}
