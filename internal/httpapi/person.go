package httpapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// pathID returns the {id} path value checked as an ID number, so that
// malformed numbers are refused before any lookup.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if _, err := idnum.Parse(id); err != nil {
		return "", idnumError(err)
	}
	return id, nil
}

// idnumError turns an idnum parse error into an API error that keeps its
// human message.
func idnumError(err error) error {
	var ie *idnum.Error
	if errors.As(err, &ie) {
		return apperr.Field(apperr.InvalidIDNumber, "id_number", "%s", ie.Message)
	}
	return apperr.Field(apperr.InvalidIDNumber, "id_number", "not a valid ID number")
}

// handlePersonGet answers GET /api/v1/persons/{id}.
func (s *Server) handlePersonGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Register.Get(r.Context(), actor(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// searchResult is a page of search results.
type searchResult struct {
	Persons    []*register.Person `json:"persons"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// handlePersonSearch answers GET /api/v1/persons?name=&birth_date=&birth_year=&commune=&province=&status=&limit=&cursor=.
func (s *Server) handlePersonSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := register.Filter{
		NameKey: register.NameKey(q.Get("name")), Commune: q.Get("commune"), Province: q.Get("province"),
		Status: register.Status(q.Get("status")),
	}
	var err error
	if v := q.Get("birth_date"); v != "" {
		if f.BirthDate, err = register.ParseDate("birth_date", v); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if v := q.Get("birth_year"); v != "" {
		if f.BirthYear, err = strconv.Atoi(v); err != nil || f.BirthYear < 1800 || f.BirthYear > 2399 {
			writeError(w, r, apperr.Field(apperr.Invalid, "birth_year", "birth_year is a four-digit year"))
			return
		}
	}
	switch f.Status {
	case "", register.Living, register.Dead, register.Missing:
	default:
		writeError(w, r, apperr.Field(apperr.Invalid, "status", "status is living, dead or missing"))
		return
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 200 {
			writeError(w, r, apperr.Field(apperr.Invalid, "limit", "limit is between 1 and 200"))
			return
		}
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			writeError(w, r, apperr.Field(apperr.Invalid, "cursor", "invalid cursor"))
			return
		}
		f.After = string(raw)
	}
	ps, err := s.Register.Search(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res := searchResult{Persons: ps}
	if res.Persons == nil {
		res.Persons = []*register.Person{}
	}
	if len(ps) == f.Limit {
		last := ps[len(ps)-1]
		res.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(register.NameKey(last.FullName) + "\x00" + last.IDNumber))
	}
	writeJSON(w, http.StatusOK, res)
}

// historyResult is a person as of a date with the events that made it.
type historyResult struct {
	AsOf    string           `json:"as_of,omitempty"`
	KnownAt *time.Time       `json:"known_at,omitempty"`
	Person  *register.Person `json:"person"`
	Events  []register.Event `json:"events"`
}

// handlePersonHistory answers GET /api/v1/persons/{id}/history?as_of=YYYY-MM-DD&known_at=RFC3339.
func (s *Server) handlePersonHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res := historyResult{AsOf: r.URL.Query().Get("as_of")}
	if res.AsOf != "" {
		if _, err := register.ParseFullDate("as_of", res.AsOf); err != nil {
			writeError(w, r, err)
			return
		}
	}
	var knownAt time.Time
	if v := r.URL.Query().Get("known_at"); v != "" {
		if knownAt, err = time.Parse(time.RFC3339, v); err != nil {
			writeError(w, r, apperr.Field(apperr.InvalidDate, "known_at", "known_at is an RFC 3339 instant"))
			return
		}
		res.KnownAt = &knownAt
	}
	res.Person, res.Events, err = s.Register.History(r.Context(), actor(r), id, res.AsOf, knownAt)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleBirthCreate answers POST /api/v1/births: registers a birth and
// allocates the child's ID number.
func (s *Server) handleBirthCreate(w http.ResponseWriter, r *http.Request) {
	var req register.BirthRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Register.RegisterBirth(r.Context(), actor(r), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+p.IDNumber)
	writeJSON(w, http.StatusCreated, p)
}

// handleEventCreate answers POST /api/v1/persons/{id}/events: records one
// event (death, marriage, residence change, …) with its legal basis.
func (s *Server) handleEventCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req register.EventRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Register.RecordEvent(r.Context(), actor(r), id, req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// householdResult is a household with its members.
type householdResult struct {
	*register.Household
	Members []register.Member `json:"members"`
}

// handleHouseholdGet answers GET /api/v1/households/{id}.
func (s *Server) handleHouseholdGet(w http.ResponseWriter, r *http.Request) {
	h, members, err := s.Register.Household(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, householdResult{Household: h, Members: members})
}

// handleMe answers GET /api/v1/me: the authenticated officer.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	o, err := s.DB.Officer(r.Context(), a.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
