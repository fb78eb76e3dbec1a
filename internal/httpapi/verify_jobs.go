package httpapi

import (
	"bufio"
	"mime"
	"net/http"
	"strconv"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/oidc"
)

// maxJobBytes bounds an upload (about 5 million short lines).
const maxJobBytes = 512 << 20

// jobRoutes mounts bulk verification jobs.
func (s *Server) jobRoutes(mux *http.ServeMux) {
	if s.Jobs == nil {
		return
	}
	mux.Handle("POST /api/v1/verify/jobs", s.partnerAuth(oidc.ScopeVerifyBulk, s.handleJobCreate))
	mux.Handle("GET /api/v1/verify/jobs", s.partnerAuth(oidc.ScopeVerifyBulk, s.handleJobList))
	mux.Handle("GET /api/v1/verify/jobs/{id}", s.partnerAuth(oidc.ScopeVerifyBulk, s.handleJobGet))
	mux.Handle("GET /api/v1/verify/jobs/{id}/result", s.partnerAuth(oidc.ScopeVerifyBulk, s.handleJobResult))
}

// jobOwner is who a partner's jobs belong to: its organisation, so that
// every client of one organisation sees them, or the client alone.
func jobOwner(r *http.Request) string {
	c := partnerOf(r).Client
	if c.OrgID != "" {
		return "org:" + c.OrgID
	}
	return "client:" + c.ID
}

func (s *Server) handleJobCreate(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	format := map[string]string{"text/csv": ekyc.FormatCSV, "application/x-ndjson": ekyc.FormatJSONL,
		"application/jsonl": ekyc.FormatJSONL}[mt]
	if format == "" {
		writeError(w, r, apperr.Field(apperr.Invalid, "Content-Type", "send the file as text/csv or application/x-ndjson"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJobBytes)
	c := partnerOf(r).Client
	job, err := s.Jobs.Submit(r.Context(), actor(r), jobOwner(r), c.ID, limitsOf(c), format, r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/verify/jobs/"+job.ID)
	writeJSON(w, http.StatusAccepted, job)
}

func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.Jobs.Store.EKYCJobs(r.Context(), jobOwner(r), 100)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if jobs == nil {
		jobs = []*ekyc.Job{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

// ownJob returns a job of the caller's; another's answers not found, as
// for a job that does not exist, and the attempt is logged.
func (s *Server) ownJob(w http.ResponseWriter, r *http.Request) (*ekyc.Job, bool) {
	job, err := s.Jobs.Store.EKYCJob(r.Context(), r.PathValue("id"))
	if err == nil && job.Owner != jobOwner(r) {
		a := actor(r)
		if s.Log != nil {
			if lerr := s.Log.Record(r.Context(), accesslog.Entry{Actor: a.ID, ActorRole: a.Role, Org: a.Org, Purpose: a.Purpose,
				Action: "ekyc.job.read", Fields: "job:" + job.ID, Outcome: "refused_not_owner", RequestID: a.RequestID}); lerr != nil {
				writeError(w, r, lerr)
				return nil, false
			}
		}
		err = apperr.E(apperr.NotFound, "no job %q", r.PathValue("id"))
	}
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	return job, true
}

func (s *Server) handleJobGet(w http.ResponseWriter, r *http.Request) {
	if job, ok := s.ownJob(w, r); ok {
		writeJSON(w, http.StatusOK, job)
	}
}

// handleJobResult streams the result file of a finished job: one line per
// input line, in input order.
func (s *Server) handleJobResult(w http.ResponseWriter, r *http.Request) {
	job, ok := s.ownJob(w, r)
	if !ok {
		return
	}
	if job.Status != ekyc.JobDone {
		writeError(w, r, apperr.E(apperr.JobNotDone, "the job is %s: %d of %d lines done", job.Status, job.Done, job.Total))
		return
	}
	ct := "text/csv; charset=utf-8"
	if job.Format == ekyc.FormatJSONL {
		ct = "application/x-ndjson"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+job.ID+`-result.`+job.Format+`"`)
	w.Header().Set("X-Total-Lines", strconv.FormatInt(job.Total, 10))
	bw := bufio.NewWriterSize(w, 64<<10)
	if job.Format == ekyc.FormatCSV {
		bw.WriteString(ekyc.ResultHeader + "\n")
	}
	var after int64
	for {
		lines, err := s.Jobs.Store.EKYCJobResults(r.Context(), job.ID, after, 10000)
		if err != nil || len(lines) == 0 {
			break // headers are out: a broken stream is all a client can see
		}
		for _, l := range lines {
			bw.WriteString(l.Raw)
			bw.WriteByte('\n')
		}
		after = lines[len(lines)-1].No
	}
	bw.Flush()
}
