package portal

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// Effects of approval that record an event in the register.
const (
	EffectRegisterDeath     = "register_death"               // the deceased's death (deceased_id_number, death_date, death_place)
	EffectRegisterMarriage  = "register_marriage"            // the applicant's marriage to partner_id_number
	EffectTemporaryResident = "register_temporary_residence" // temporary_commune, temporary_address, until
	EffectPermanentResident = "register_permanent_residence" // new_commune, new_address
	EffectTemporaryAbsence  = "register_temporary_absence"   // from, until, destination_commune, destination_address, reason
)

// effects lists every known effect.
var effects = []string{EffectNone, EffectRegisterBirth, EffectRegisterDeath, EffectRegisterMarriage,
	EffectTemporaryResident, EffectPermanentResident, EffectTemporaryAbsence}

// recordEffect records the register event an approval makes, through
// register.Service.RecordEvent (its rules and jurisdiction), with the
// dossier as legal basis, in the approval's transaction.
func (s *Service) recordEffect(ctx context.Context, a auth.Actor, d *Dossier, p *Procedure, c *Commit, now time.Time) error {
	f := d.Fields
	today := register.Today(now)
	req := register.EventRequest{EffectiveDate: register.Date(today),
		Legal: register.LegalBasis{DocumentNo: d.ID, DocumentDate: register.Date(today), Issuer: officeName(d, p, now)}}
	id := d.ApplicantID
	if p.Subject != SubjectSelf && d.SubjectID != "" {
		id = d.SubjectID // the minor child the applicant declared for
	}
	var payload any
	switch p.Effect {
	case EffectRegisterDeath:
		id = f["deceased_id_number"]
		if err := s.sameName(ctx, id, f["deceased_full_name"], "fields.deceased_full_name"); err != nil {
			return err
		}
		req.Kind, req.EffectiveDate = register.KindDeath, register.Date(f["death_date"])
		payload = register.DeathPayload{DeathDate: register.Date(f["death_date"]), Place: f["death_place"]}
	case EffectRegisterMarriage:
		if err := s.sameName(ctx, f["partner_id_number"], f["partner_full_name"], "fields.partner_full_name"); err != nil {
			return err
		}
		req.Kind, payload = register.KindMarriage, register.SpousePayload{SpouseID: f["partner_id_number"]}
	case EffectTemporaryResident:
		req.Kind, payload = register.KindResidence, register.ResidencePayload{Type: "temporary",
			Place: &register.Residence{Commune: f["temporary_commune"], Address: f["temporary_address"], Until: register.Date(f["until"])}}
	case EffectPermanentResident:
		req.Kind, payload = register.KindResidence, register.ResidencePayload{Type: "permanent",
			Place: &register.Residence{Commune: f["new_commune"], Address: f["new_address"]}}
	case EffectTemporaryAbsence:
		req.Kind, payload = register.KindResidence, register.ResidencePayload{Type: "temporary_absence",
			Absence: &register.Absence{From: register.Date(f["from"]), Until: register.Date(f["until"]),
				Destination: destination(f["destination_address"], f["destination_commune"], today), Reason: f["reason"]}}
	default:
		return s.Store.CommitDossiers(ctx, c)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return apperr.Wrap(err, "encode event payload")
	}
	req.Payload = raw
	if d.SubjectID == "" {
		d.SubjectID = id
	}
	reg := *s.Register
	reg.Store = s.Store.RegisterWith(c)
	_, err = reg.RecordEvent(ctx, a, id, req)
	return err
}

// destination writes where an absent person goes as the register keeps it,
// free text: the address, then the commune and province by name when the
// destination is in Viet Nam (abroad, the address names the country).
func destination(address, commune, today string) string {
	c, ok := units.Find(commune, units.Commune, today)
	if !ok {
		return address
	}
	out := address + ", " + c.FullName()
	if pr, ok := units.Find(c.ProvinceCode, units.Province, today); ok {
		out += ", " + pr.FullName()
	}
	return out
}

// sameName requires the name given in a form to be the register's for
// that ID number (case, spacing and Unicode form forgiven, not diacritics).
func (s *Service) sameName(ctx context.Context, id, name, field string) error {
	p, err := s.Register.ForSubject(ctx, id)
	if err != nil {
		return apperr.Field(apperr.NotFound, field, "no person with this ID number in the register")
	}
	if !strings.EqualFold(register.NormalizeName(name), register.NormalizeName(p.FullName)) {
		return apperr.Field(apperr.Invalid, field, "the name is not the register's for this ID number")
	}
	return nil
}
