package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// Access-log actions of the portal: every officer's read or act on a
// dossier is an access to its applicant's data.
const (
	ActionDossierRead = "dossier.read"
	ActionDossierList = "dossier.list"
	ActionDossierAct  = "dossier." // + the action: receive, request_info, approve, reject, issue_result
)

// Recorder appends access-log entries.
type Recorder interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Citizen is the holder of an e-ID session acting on the portal.
type Citizen struct {
	AccountID string
	IDNumber  string
}

func (c Citizen) actor() auth.Actor {
	return auth.Actor{ID: "citizen:" + c.AccountID, Role: "citizen"}
}

// Service enforces the portal's rules.
type Service struct {
	Store Store
	// Register reads the applicant's own record (prefill) and registers
	// births on approval.
	Register *register.Service
	Log      Recorder
	// Payments are the payment providers by name.
	Payments map[string]Provider
	// BaseURL returns dancu's public URL, under which results are verified.
	BaseURL func() string
	Now     func() time.Time

	signer signer
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// LoadProcedures validates procedures (with those already stored, for
// linked parts) and stores those newer than the stored versions.
func (s *Service) LoadProcedures(ctx context.Context, ps []*Procedure) ([]string, error) {
	stored, err := s.Store.Procedures(ctx)
	if err != nil {
		return nil, err
	}
	all := slices.Clone(ps)
	for _, p := range stored {
		if !slices.ContainsFunc(ps, func(q *Procedure) bool { return q.Code == p.Code }) {
			all = append(all, p)
		}
	}
	if err := ValidateSet(all); err != nil {
		return nil, err
	}
	return s.Store.SaveProcedures(ctx, ps)
}

// Procedures returns the catalogue.
func (s *Service) Procedures(ctx context.Context) ([]*Procedure, error) {
	return s.Store.Procedures(ctx)
}

// Procedure returns one procedure.
func (s *Service) Procedure(ctx context.Context, code string) (*Procedure, error) {
	p, err := s.Store.Procedure(ctx, code)
	if err != nil {
		return nil, apperr.Field(apperr.NotFound, "procedure", "no procedure %q", code)
	}
	if err := p.Validate(); err != nil { // compiles patterns
		return nil, err
	}
	return p, nil
}

// Form returns a procedure's form for a citizen: the values the register
// already knows (which the citizen will not be asked for).
func (s *Service) Form(ctx context.Context, c Citizen, code string) (map[string]string, error) {
	p, err := s.Procedure(ctx, code)
	if err != nil {
		return nil, err
	}
	person, err := s.Register.ForSubject(ctx, c.IDNumber)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range p.Fields {
		if v := prefill(person, f.Prefill); f.Prefill != "" && v != "" {
			out[f.Name] = v
		}
	}
	return out, nil
}

// SubmitRequest is a citizen's submission.
type SubmitRequest struct {
	Procedure string            `json:"procedure"`
	Fields    map[string]string `json:"fields"`
	Documents []DocumentRef     `json:"documents"`
}

// Submit creates the dossiers of a submission: one, or one per part of a
// linked procedure, each at its own office, in one transaction.
func (s *Service) Submit(ctx context.Context, c Citizen, req SubmitRequest) ([]*Dossier, error) {
	p, err := s.Procedure(ctx, req.Procedure)
	if err != nil {
		return nil, err
	}
	person, err := s.Register.ForSubject(ctx, c.IDNumber)
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := register.Today(now)
	values, err := p.fill(person, req.Fields, today)
	if err != nil {
		return nil, err
	}
	if err := p.checkDocuments(req.Documents, true); err != nil {
		return nil, err
	}
	if err := s.checkUploaded(ctx, c, req.Documents); err != nil {
		return nil, err
	}
	// The person the dossier concerns: the applicant, or his minor child.
	subject, err := s.subjectOf(ctx, p, person, values, today)
	if err != nil {
		return nil, err
	}
	subjectID := ""
	if p.Subject != SubjectSelf {
		subjectID = subject.IDNumber
	}
	parts := []Part{{Procedure: p.Code}}
	procs := map[string]*Procedure{p.Code: p}
	groupID := ""
	if p.Linked() {
		parts, groupID = p.Parts, newID("LT-")
		for _, part := range parts {
			if procs[part.Procedure], err = s.Procedure(ctx, part.Procedure); err != nil {
				return nil, err
			}
		}
	}
	c0 := &Commit{}
	for _, part := range parts {
		pp := procs[part.Procedure]
		own := map[string]string{}
		for _, f := range pp.Fields {
			if v, ok := values[f.Name]; ok && f.Prefill == "" {
				own[f.Name] = v
			}
		}
		vals, err := pp.fill(person, own, today)
		if err != nil {
			return nil, err
		}
		var docs []DocumentRef
		for _, d := range req.Documents {
			if slices.ContainsFunc(pp.Documents, func(x Document) bool { return x.Code == d.Code }) {
				docs = append(docs, d)
			}
		}
		if err := pp.checkDocuments(docs, false); err != nil {
			return nil, err
		}
		unit, level, province, err := pp.handlingUnit(subject, vals, today)
		if err != nil {
			return nil, err
		}
		d := &Dossier{ID: newID("HS-"), Procedure: pp.Code, GroupID: groupID, WaitsFor: part.After,
			ApplicantID: c.IDNumber, AccountID: c.AccountID, SubjectID: subjectID, UnitCode: unit, UnitLevel: level, Province: province,
			State: Submitted, Fields: vals, Documents: docs, Fee: pp.Fee, DueAt: DueAt(now, pp.TimeLimitDays),
			Version: 1, SubmittedAt: now, UpdatedAt: now}
		c0.New = append(c0.New, d)
		s.record(c0, d, c.actor(), "submit", "", "", now, pp)
	}
	if err := s.Store.CommitDossiers(ctx, c0); err != nil {
		return nil, err
	}
	for _, d := range c0.New {
		d.markOverdue(now)
	}
	return c0.New, nil
}

// record adds a step and the citizen's notification of a transition.
func (s *Service) record(c *Commit, d *Dossier, a auth.Actor, action string, from State, note string, now time.Time, p *Procedure) {
	c.Steps = append(c.Steps, Step{DossierID: d.ID, At: now, Actor: a.ID, ActorRole: a.Role, Action: action,
		From: from, To: d.State, Note: note})
	name := d.Procedure
	if p != nil {
		name = p.Name.VI
	}
	c.Notifications = append(c.Notifications, Notification{ID: newID("TB-"), AccountID: d.AccountID, DossierID: d.ID,
		Kind: action, State: d.State, CreatedAt: now,
		Message: fmt.Sprintf("Hồ sơ %s (%s): %s.", d.ID, name, stateText[d.State])})
}

// stateText names states in Vietnamese for notifications.
var stateText = map[State]string{
	Submitted: "đã nộp", Received: "đã tiếp nhận, chờ nộp phí", Processing: "đang giải quyết",
	InfoRequested: "cần bổ sung thông tin", Resubmitted: "đã bổ sung", Approved: "đã được phê duyệt",
	Rejected: "bị từ chối", ResultIssued: "đã có kết quả",
}

// MyDossiers lists a citizen's dossiers, newest first.
func (s *Service) MyDossiers(ctx context.Context, c Citizen, limit int) ([]*Dossier, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ds, err := s.Store.ApplicantDossiers(ctx, c.IDNumber, limit)
	now := s.now()
	for _, d := range ds {
		d.markOverdue(now)
	}
	return ds, err
}

// MyDossier returns one of the citizen's dossiers with its history.
// Another citizen's dossier answers not_found, and the attempt is logged.
func (s *Service) MyDossier(ctx context.Context, c Citizen, id string) (*Dossier, error) {
	d, err := s.Store.Dossier(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "no such dossier")
	}
	if err != nil {
		return nil, err
	}
	if d.ApplicantID != c.IDNumber {
		if err := s.Log.Record(ctx, s.entries(c.actor(), ActionDossierRead, accesslog.OutcomeDenied, d)...); err != nil {
			return nil, err
		}
		return nil, apperr.E(apperr.NotFound, "no such dossier")
	}
	if d.History, err = s.Store.DossierHistory(ctx, id); err != nil {
		return nil, err
	}
	d.markOverdue(s.now())
	return d, nil
}

// ResubmitRequest is the information a citizen adds when asked.
type ResubmitRequest struct {
	Fields    map[string]string `json:"fields"`
	Documents []DocumentRef     `json:"documents"`
	Note      string            `json:"note"`
}

// Resubmit adds the information an officer asked for.
func (s *Service) Resubmit(ctx context.Context, c Citizen, id string, req ResubmitRequest) (*Dossier, error) {
	d, err := s.MyDossier(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if d.State != InfoRequested {
		return nil, apperr.E(apperr.Conflict, "the dossier is %s: nothing was asked", d.State)
	}
	p, err := s.Procedure(ctx, d.Procedure)
	if err != nil {
		return nil, err
	}
	person, err := s.Register.ForSubject(ctx, c.IDNumber)
	if err != nil {
		return nil, err
	}
	now := s.now()
	own := map[string]string{}
	for _, f := range p.Fields {
		if v, ok := d.Fields[f.Name]; ok && f.Prefill == "" {
			own[f.Name] = v
		}
	}
	for k, v := range req.Fields {
		own[k] = v
	}
	vals, err := p.fill(person, own, register.Today(now))
	if err != nil {
		return nil, err
	}
	if err := sameSubject(p, d, vals); err != nil {
		return nil, err
	}
	docs := slices.DeleteFunc(slices.Clone(d.Documents), func(x DocumentRef) bool {
		return slices.ContainsFunc(req.Documents, func(y DocumentRef) bool { return y.Code == x.Code })
	})
	docs = append(docs, req.Documents...)
	if err := p.checkDocuments(docs, false); err != nil {
		return nil, err
	}
	if err := s.checkUploaded(ctx, c, req.Documents); err != nil {
		return nil, err
	}
	c0 := &Commit{}
	from := d.State
	d.Fields, d.Documents, d.State, d.Version, d.UpdatedAt = vals, docs, Resubmitted, d.Version+1, now
	s.record(c0, d, c.actor(), "resubmit", from, clean(req.Note, 1000), now, p)
	c0.Updated = []*Dossier{d}
	if err := s.Store.CommitDossiers(ctx, c0); err != nil {
		return nil, err
	}
	return s.MyDossier(ctx, c, id)
}

// Notifications returns a citizen's notifications, newest first.
func (s *Service) Notifications(ctx context.Context, c Citizen, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.Store.Notifications(ctx, c.AccountID, limit)
}

// MarkRead marks a citizen's notification read.
func (s *Service) MarkRead(ctx context.Context, c Citizen, id string) error {
	return s.Store.MarkNotificationRead(ctx, c.AccountID, id, s.now())
}

// entry is an access-log entry of an act on a dossier's applicant.
// entries are the access-log entries of an act on a dossier: one about
// the applicant and, when the dossier is about someone else (a minor
// child, a newborn, the deceased), one about that person too — the
// dossier holds both persons' data.
func (s *Service) entries(a auth.Actor, action, outcome string, d *Dossier) []accesslog.Entry {
	e := accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode,
		Purpose: a.Purpose, LegalBasis: a.Legal, Subject: d.ApplicantID, Action: action,
		Fields: "dossier:" + d.ID, Outcome: outcome, RequestID: a.RequestID}
	out := []accesslog.Entry{e}
	if d.SubjectID != "" && d.SubjectID != d.ApplicantID {
		e.Subject = d.SubjectID
		out = append(out, e)
	}
	return out
}

// prefill returns the register's value of a source for a person.
func prefill(p *register.Person, source string) string {
	switch source {
	case "applicant.id_number":
		return p.IDNumber
	case "applicant.full_name":
		return p.FullName
	case "applicant.birth_date":
		return string(p.BirthDate)
	case "applicant.gender":
		return string(p.Gender)
	case "applicant.permanent_residence.commune":
		if p.Permanent != nil {
			return p.Permanent.Commune
		}
	case "applicant.permanent_residence.address":
		if p.Permanent != nil {
			return p.Permanent.Address
		}
	case "applicant.household_id":
		return p.HouseholdID
	case "applicant.spouse_id":
		return p.SpouseID
	}
	return ""
}

// fill validates what the citizen sent against the form and adds the
// prefilled values from the register. A prefilled field sent by the
// citizen is refused: the register's value is the one used.
func (p *Procedure) fill(person *register.Person, in map[string]string, today string) (map[string]string, error) {
	for k := range in {
		f, ok := p.Field(k)
		switch {
		case !ok:
			return nil, apperr.Field(apperr.Invalid, "fields."+k, "%s has no field %q", p.Code, k)
		case f.Prefill != "":
			return nil, apperr.Field(apperr.Invalid, "fields."+k, "%q comes from the register: do not send it", k)
		}
	}
	out := map[string]string{}
	for i := range p.Fields {
		f := &p.Fields[i]
		if f.Prefill != "" {
			if v := prefill(person, f.Prefill); v != "" {
				out[f.Name] = v
			}
			continue
		}
		v := strings.TrimSpace(in[f.Name])
		if v == "" {
			if f.Required {
				return nil, apperr.Field(apperr.Invalid, "fields."+f.Name, "%q is required", f.Name)
			}
			continue
		}
		if err := f.check(v, today); err != nil {
			return nil, err
		}
		out[f.Name] = v
	}
	return out, nil
}

// check validates one value of a field.
func (f *Field) check(v, today string) error {
	field := "fields." + f.Name
	max := f.MaxLength
	if max == 0 {
		max = 200
	}
	if len([]rune(v)) > max || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return apperr.Field(apperr.Invalid, field, "%q is at most %d characters without control characters", f.Name, max)
	}
	switch f.Type {
	case TypeDate:
		d, err := register.ParseFullDate(field, v)
		if err != nil {
			return err
		}
		if f.NotFuture && string(d) > today {
			return apperr.Field(apperr.InvalidDate, field, "%q is in the future", f.Name)
		}
	case TypeEnum:
		if !slices.Contains(f.Options, v) {
			return apperr.Field(apperr.Invalid, field, "%q must be one of %s", f.Name, strings.Join(f.Options, ", "))
		}
	case TypeCommune:
		if _, ok := units.Find(v, units.Commune, today); !ok {
			return apperr.Field(apperr.InvalidUnit, field, "%q is not a commune code valid today", v)
		}
	case TypeIDNumber:
		if _, err := idnum.Parse(v); err != nil {
			return apperr.Field(apperr.InvalidIDNumber, field, "%q is not a valid personal ID number", f.Name)
		}
	case TypeNumber:
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return apperr.Field(apperr.Invalid, field, "%q is a whole number", f.Name)
		}
	case TypeBool:
		if v != "true" && v != "false" {
			return apperr.Field(apperr.Invalid, field, "%q is true or false", f.Name)
		}
	}
	if f.re == nil && f.Pattern != "" {
		f.re = regexp.MustCompile(`^(?:` + f.Pattern + `)$`)
	}
	if f.re != nil && !f.re.MatchString(v) {
		return apperr.Field(apperr.Invalid, field, "%q is not in the expected form", f.Name)
	}
	return nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkUploaded requires every paper a citizen names to be one his
// account uploaded: a hash is not a key to someone else's paper, and an
// office never receives a dossier whose papers it cannot open.
func (s *Service) checkUploaded(ctx context.Context, c Citizen, docs []DocumentRef) error {
	if len(docs) == 0 {
		return nil
	}
	hashes := make([]string, len(docs))
	for i, d := range docs {
		hashes[i] = d.SHA256
	}
	have, err := s.Store.UploadedFiles(ctx, c.AccountID, hashes)
	if err != nil {
		return err
	}
	for i, d := range docs {
		if !have[d.SHA256] {
			return apperr.Field(apperr.Invalid, fmt.Sprintf("documents[%d].sha256", i),
				"no file with this sha256 was uploaded from your account in the last %d hours: upload it first (POST /api/v1/portal/files)",
				int(FileRetention.Hours()))
		}
	}
	return nil
}

// checkDocuments validates the papers attached; unknown kinds are refused
// when strict, and every required kind must be there.
func (p *Procedure) checkDocuments(docs []DocumentRef, strict bool) error {
	for i, d := range docs {
		known := slices.ContainsFunc(p.Documents, func(x Document) bool { return x.Code == d.Code })
		if !known && strict && !p.Linked() {
			return apperr.Field(apperr.Invalid, fmt.Sprintf("documents[%d].code", i), "%s needs no document %q", p.Code, d.Code)
		}
		if strings.TrimSpace(d.FileName) == "" || len(d.FileName) > 255 || !sha256Hex.MatchString(d.SHA256) {
			return apperr.Field(apperr.Invalid, fmt.Sprintf("documents[%d]", i), "a document has a file_name and the file's sha256 (64 lower-case hex digits)")
		}
	}
	for _, want := range p.Documents {
		if want.Required && !slices.ContainsFunc(docs, func(d DocumentRef) bool { return d.Code == want.Code }) {
			return apperr.Field(apperr.Invalid, "documents", "the document %q (%s) is required", want.Code, want.Name.VI)
		}
	}
	return nil
}

// handlingUnit returns the office that handles a dossier: its unit code,
// level and province. "applicant" is the permanent residence of the
// person the dossier concerns: the applicant, or the child he declares
// for.
func (p *Procedure) handlingUnit(person *register.Person, vals map[string]string, today string) (string, string, string, error) {
	var commune string
	if from, ok := strings.CutPrefix(p.Handling.UnitFrom, "field:"); ok {
		commune = vals[from]
		if commune == "" {
			return "", "", "", apperr.Field(apperr.Invalid, "fields."+from, "%q names the office that handles the dossier: it is required", from)
		}
	} else if person.Permanent != nil {
		commune = person.Permanent.Commune
	}
	u, ok := units.Find(commune, units.Commune, today)
	if !ok {
		return "", "", "", apperr.Field(apperr.Invalid, "permanent_residence", "the register holds no current permanent residence to find your office by: apply in person")
	}
	if p.Handling.Level == "province" {
		return u.ProvinceCode, "province", u.ProvinceCode, nil
	}
	return u.Code, "commune", u.ProvinceCode, nil
}

// clean trims a free-text note and cuts it to n characters.
func clean(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}
