package register

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Kind is the type of a register event.
type Kind string

// Event kinds. Each is a legal act recorded with its basis.
const (
	KindBirth        Kind = "birth_registration"   // khai sinh: creates the person and allocates the ID number
	KindInitial      Kind = "initial_registration" // first entry of an existing person (data collection, legacy import)
	KindDeath        Kind = "death"                // khai tử
	KindMissing      Kind = "missing"              // declared missing by a court, or the declaration annulled
	KindMarriage     Kind = "marriage"             // kết hôn
	KindDivorce      Kind = "divorce"              // ly hôn
	KindNameChange   Kind = "name_change"          // thay đổi họ, chữ đệm, tên
	KindResidence    Kind = "residence_change"     // thường trú, tạm trú, tạm vắng, nơi ở hiện tại
	KindHousehold    Kind = "household_change"     // join, leave or head a household
	KindCorrection   Kind = "correction"           // cải chính hộ tịch, bổ sung thông tin
	KindGuardianship Kind = "guardianship"         // giám hộ
	KindMerge        Kind = "merge"                // two records of one person made one (docs/quality.md#merges)
)

// LegalBasis is the document an event rests on.
type LegalBasis struct {
	DocumentNo   string `json:"document_no"`
	DocumentDate Date   `json:"document_date"`
	Issuer       string `json:"issuer"`
}

// Validate requires a complete legal basis.
func (l LegalBasis) Validate() error {
	switch {
	case strings.TrimSpace(l.DocumentNo) == "":
		return apperr.Field(apperr.Invalid, "legal_basis.document_no", "the legal basis needs a document number")
	case strings.TrimSpace(l.Issuer) == "":
		return apperr.Field(apperr.Invalid, "legal_basis.issuer", "the legal basis needs the issuing office")
	}
	_, err := ParseFullDate("legal_basis.document_date", string(l.DocumentDate))
	return err
}

// Event is one change to one person. An act that concerns several persons
// (a marriage) is one event per person sharing a GroupID.
type Event struct {
	ID            int64           `json:"id"`
	PersonID      string          `json:"person_id"`
	Seq           int             `json:"seq"` // 1 for the first event of the person
	Kind          Kind            `json:"kind"`
	EffectiveDate Date            `json:"effective_date"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Officer       string          `json:"officer"`
	OfficerUnit   string          `json:"officer_unit,omitempty"`
	Legal         LegalBasis      `json:"legal_basis"`
	GroupID       string          `json:"group_id,omitempty"`
	Payload       json.RawMessage `json:"payload"`
}

// Payloads, one per kind.
type (
	// RegistrationPayload is the person as first registered (birth or initial).
	RegistrationPayload struct {
		Person Person `json:"person"`
	}
	// DeathPayload records a death.
	DeathPayload struct {
		DeathDate Date   `json:"death_date"`
		Place     string `json:"place,omitempty"`
	}
	// MissingPayload declares a person missing, or annuls that.
	MissingPayload struct {
		Since    Date `json:"since,omitempty"`
		Annulled bool `json:"annulled,omitempty"`
	}
	// SpousePayload names the other party of a marriage or divorce.
	SpousePayload struct {
		SpouseID string `json:"spouse_id"`
	}
	// NameChangePayload gives the new full name.
	NameChangePayload struct {
		FullName string `json:"full_name"`
		Reason   string `json:"reason,omitempty"`
	}
	// ResidencePayload changes one kind of residence. End removes a
	// temporary residence or absence instead of setting it.
	ResidencePayload struct {
		Type    string     `json:"type"` // permanent, temporary, temporary_absence, current
		Place   *Residence `json:"place,omitempty"`
		Absence *Absence   `json:"absence,omitempty"`
		End     bool       `json:"end,omitempty"`
	}
	// HouseholdPayload moves a person into a household (or out of any,
	// when HouseholdID is empty).
	HouseholdPayload struct {
		HouseholdID    string `json:"household_id"`
		RelationToHead string `json:"relation_to_head"`
	}
	// CorrectionPayload corrects fields; nil means unchanged. The name,
	// gender and birth year are not corrected here: the first has its own
	// act and the others are carried by the ID number.
	CorrectionPayload struct {
		BirthDate   *Date   `json:"birth_date,omitempty"`
		BirthPlace  *string `json:"birth_place,omitempty"`
		Hometown    *string `json:"hometown,omitempty"`
		Ethnicity   *string `json:"ethnicity,omitempty"`
		Religion    *string `json:"religion,omitempty"`
		Nationality *string `json:"nationality,omitempty"`
		FatherID    *string `json:"father_id,omitempty"`
		MotherID    *string `json:"mother_id,omitempty"`
	}
	// GuardianshipPayload sets (or ends, when empty) a guardian.
	GuardianshipPayload struct {
		GuardianID string `json:"guardian_id"`
	}
	// MergePayload is a merge as each of its two records records it: the
	// kept record names the Retired one and the facts it took from it
	// (Filled, only what it lacked); the retired record names the record
	// it was merged Into.
	MergePayload struct {
		Retired string             `json:"retired,omitempty"`
		Filled  *CorrectionPayload `json:"filled,omitempty"`
		Into    string             `json:"into,omitempty"`
	}
)

// Apply returns the person after e. It is the one definition of what an
// event does: the stored projection and the history read back as of any
// date both come from it, so they cannot disagree.
func Apply(p *Person, e *Event) (*Person, error) {
	if e.Kind == KindBirth || e.Kind == KindInitial {
		var pl RegistrationPayload
		if err := decode(e, &pl); err != nil {
			return nil, err
		}
		n := pl.Person
		n.IDNumber, n.Version, n.CreatedAt, n.UpdatedAt = e.PersonID, e.Seq, e.RecordedAt, e.RecordedAt
		return &n, nil
	}
	if p == nil {
		return nil, apperr.E(apperr.Internal, "event %d before the person's registration", e.ID)
	}
	n := *p
	n.Version, n.UpdatedAt = e.Seq, e.RecordedAt
	var err error
	switch e.Kind {
	case KindDeath:
		var pl DeathPayload
		if err = decode(e, &pl); err == nil {
			n.Status, n.DeathDate = Dead, pl.DeathDate
		}
	case KindMissing:
		var pl MissingPayload
		if err = decode(e, &pl); err == nil {
			n.Status, n.MissingSince = Missing, pl.Since
			if pl.Annulled {
				n.Status, n.MissingSince = Living, ""
			}
		}
	case KindMarriage, KindDivorce:
		var pl SpousePayload
		if err = decode(e, &pl); err == nil {
			n.SpouseID = pl.SpouseID
			if e.Kind == KindDivorce {
				n.SpouseID = ""
			}
		}
	case KindNameChange:
		var pl NameChangePayload
		if err = decode(e, &pl); err == nil {
			n.FullName = pl.FullName
		}
	case KindResidence:
		var pl ResidencePayload
		if err = decode(e, &pl); err == nil {
			applyResidence(&n, pl)
		}
	case KindHousehold:
		var pl HouseholdPayload
		if err = decode(e, &pl); err == nil {
			n.HouseholdID, n.RelationToHead = pl.HouseholdID, pl.RelationToHead
		}
	case KindCorrection:
		var pl CorrectionPayload
		if err = decode(e, &pl); err == nil {
			applyCorrection(&n, pl)
		}
	case KindGuardianship:
		var pl GuardianshipPayload
		if err = decode(e, &pl); err == nil {
			n.GuardianID = pl.GuardianID
		}
	case KindMerge:
		var pl MergePayload
		if err = decode(e, &pl); err == nil {
			applyMerge(&n, pl)
		}
	case KindCardApplied, KindCardApproved, KindCardRejected, KindCardPersonalised, KindCardIssued, KindCardLost, KindCardRevoked:
		err = applyCard(&n, e)
	default:
		err = apperr.E(apperr.Internal, "unknown event kind %q", e.Kind)
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func applyResidence(n *Person, pl ResidencePayload) {
	copyPlace := func() *Residence {
		if pl.End || pl.Place == nil {
			return nil
		}
		r := *pl.Place
		return &r
	}
	switch pl.Type {
	case "permanent":
		n.Permanent = copyPlace()
	case "temporary":
		n.Temporary = copyPlace()
	case "current":
		n.Current = copyPlace()
	case "temporary_absence":
		n.Absence = nil
		if !pl.End && pl.Absence != nil {
			a := *pl.Absence
			n.Absence = &a
		}
	}
}

func applyCorrection(n *Person, pl CorrectionPayload) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if pl.BirthDate != nil {
		n.BirthDate = *pl.BirthDate
	}
	set(&n.BirthPlace, pl.BirthPlace)
	set(&n.Hometown, pl.Hometown)
	set(&n.Ethnicity, pl.Ethnicity)
	set(&n.Religion, pl.Religion)
	set(&n.Nationality, pl.Nationality)
	set(&n.FatherID, pl.FatherID)
	set(&n.MotherID, pl.MotherID)
}

func decode(e *Event, v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return apperr.Wrap(err, "decode payload of event "+string(e.Kind))
	}
	return nil
}

// Replay folds events (in order) into the person they describe, keeping
// only those effective on or before asOf and recorded on or before knownAt
// (either may be empty for "no limit"). It returns nil if the person did
// not exist yet.
func Replay(events []Event, asOf string, knownAt time.Time) (*Person, []Event, error) {
	var p *Person
	var kept []Event
	for i := range events {
		e := &events[i]
		if asOf != "" && e.EffectiveDate.Earliest() > asOf {
			continue
		}
		if !knownAt.IsZero() && e.RecordedAt.After(knownAt) {
			continue
		}
		n, err := Apply(p, e)
		if err != nil {
			return nil, nil, err
		}
		p = n
		kept = append(kept, *e)
	}
	return p, kept, nil
}
