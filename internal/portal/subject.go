package portal

import (
	"context"
	"fmt"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

// adultAge is the age of majority (Bộ luật Dân sự 2015, điều 20): from it,
// a person declares for himself.
const adultAge = 18

// subjectOf returns the person a submission concerns: the applicant, or,
// when the procedure allows it and SubjectField names someone else, a
// living person the applicant legally represents by the register's links
// (Bộ luật Dân sự 2015, điều 136): his ward, of any age, whose guardian
// he is; or his child under 18 on today's date who has no guardian (one
// appointed for a child replaces the parents). Anyone else — a stranger,
// an ID number the register does not hold, an adult or dead child — gets
// the same forbidden answer on the field, so that the portal tells
// nothing about other people.
func (s *Service) subjectOf(ctx context.Context, p *Procedure, applicant *register.Person, vals map[string]string, today string) (*register.Person, error) {
	id := vals[SubjectField]
	if p.Subject != SubjectSelfOrMinorChild || id == "" || id == applicant.IDNumber {
		return applicant, nil
	}
	// The parent's own check of a link he holds: not a read shown to
	// anyone, so, like prefill, not an access-log entry.
	child, err := s.Register.ForSubject(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil, notYourMinorChild()
	case err != nil:
		return nil, err
	}
	if child.Status != register.Living || !represents(applicant, child, today) {
		return nil, notYourMinorChild()
	}
	return child, nil
}

// represents reports whether applicant is the legal representative of p.
func represents(applicant, p *register.Person, today string) bool {
	if p.GuardianID != "" {
		return p.GuardianID == applicant.IDNumber
	}
	parent := p.FatherID == applicant.IDNumber || p.MotherID == applicant.IDNumber
	return parent && minorOn(p.BirthDate, today)
}

func notYourMinorChild() error {
	return apperr.Field(apperr.Forbidden, "fields."+SubjectField,
		"you may declare for yourself, your own living child under %d or a living person in your guardianship only", adultAge)
}

// minorOn reports whether someone born on birth is certainly under 18 on
// today (YYYY-MM-DD): a partial birth date counts from its earliest day,
// so that someone who may be an adult is one.
func minorOn(birth register.Date, today string) bool {
	b := birth.Earliest()
	if len(b) != 10 {
		return false
	}
	// The 18th birthday as text; 29 February gives "…-02-29", which sorts
	// between 28 February and 1 March, so majority comes on 1 March.
	return today < fmt.Sprintf("%04d%s", birth.Year()+adultAge, b[4:])
}

// sameSubject requires a resubmission to keep the dossier's subject: a
// dossier concerns one person from its submission; declaring for someone
// else is a new dossier.
func sameSubject(p *Procedure, d *Dossier, vals map[string]string) error {
	if p.Subject != SubjectSelfOrMinorChild {
		return nil
	}
	id, want := vals[SubjectField], d.SubjectID
	if id == "" {
		id = d.ApplicantID
	}
	if want == "" { // submitted before the procedure allowed a child
		want = d.ApplicantID
	}
	if id != want {
		return apperr.Field(apperr.Invalid, "fields."+SubjectField, "a dossier's subject cannot change: submit a new dossier")
	}
	return nil
}
