// Package register holds the population register: persons, households and
// the events that change them, with the rules that keep the data correct,
// complete, clean and live (đúng, đủ, sạch, sống). It knows nothing of SQL
// or HTTP: storage implements Store, handlers call Service.
package register

import (
	"encoding/json"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
)

// Status is whether a person is living, dead or declared missing.
type Status string

// Statuses.
const (
	Living  Status = "living"
	Dead    Status = "dead"
	Missing Status = "missing"
)

// Residence is a place of residence: permanent (thường trú), temporary
// (tạm trú) or current (nơi ở hiện tại). Commune is a commune code of the
// structure valid at the time it was registered.
type Residence struct {
	Commune  string `json:"commune"`
	Province string `json:"province"`
	Address  string `json:"address"`
	Since    Date   `json:"since,omitempty"`
	Until    Date   `json:"until,omitempty"` // temporary residence expires
}

// Absence is a declared temporary absence (tạm vắng) from the permanent
// residence.
type Absence struct {
	From        Date   `json:"from"`
	Until       Date   `json:"until,omitempty"`
	Destination string `json:"destination,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// Person is a register record, as derived from its events.
type Person struct {
	IDNumber       string       `json:"id_number"`
	FullName       string       `json:"full_name"`
	Gender         idnum.Gender `json:"gender"`
	BirthDate      Date         `json:"birth_date"`
	BirthPlace     string       `json:"birth_place,omitempty"`
	BirthProvince  string       `json:"birth_registration_province"` // 3-digit code in the ID number
	Hometown       string       `json:"hometown,omitempty"`          // quê quán
	Ethnicity      string       `json:"ethnicity"`                   // refdata code, "01" Kinh
	Religion       string       `json:"religion"`                    // refdata code, "none"
	Nationality    string       `json:"nationality"`                 // ISO 3166 alpha-2
	Status         Status       `json:"status"`
	DeathDate      Date         `json:"death_date,omitempty"`
	MissingSince   Date         `json:"missing_since,omitempty"`
	FatherID       string       `json:"father_id,omitempty"`
	MotherID       string       `json:"mother_id,omitempty"`
	SpouseID       string       `json:"spouse_id,omitempty"`
	GuardianID     string       `json:"guardian_id,omitempty"`
	HouseholdID    string       `json:"household_id,omitempty"`
	RelationToHead string       `json:"relation_to_head,omitempty"`
	Permanent      *Residence   `json:"permanent_residence,omitempty"`
	Temporary      *Residence   `json:"temporary_residence,omitempty"`
	Absence        *Absence     `json:"temporary_absence,omitempty"`
	Current        *Residence   `json:"current_residence,omitempty"`
	IDCard         *IDCard      `json:"id_card,omitempty"` // the chip ID card held or last held (idcard.go)
	// MergedInto names the record this one was merged into: a retired
	// duplicate, kept with its history; MergedFrom the records merged
	// into this one.
	MergedInto string    `json:"merged_into,omitempty"`
	MergedFrom []string  `json:"merged_from,omitempty"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Communes returns the communes whose officers have jurisdiction over p:
// those of the permanent, temporary and current residence.
func (p *Person) Communes() (perm, temp, cur string) {
	if p.Permanent != nil {
		perm = p.Permanent.Commune
	}
	if p.Temporary != nil {
		temp = p.Temporary.Commune
	}
	if p.Current != nil {
		cur = p.Current.Commune
	}
	return perm, temp, cur
}

// Provinces is Communes for provinces.
func (p *Person) Provinces() (perm, temp, cur string) {
	if p.Permanent != nil {
		perm = p.Permanent.Province
	}
	if p.Temporary != nil {
		temp = p.Temporary.Province
	}
	if p.Current != nil {
		cur = p.Current.Province
	}
	return perm, temp, cur
}

// Relations to the head of household (quan hệ với chủ hộ).
var relations = map[string]bool{
	"head": true, "wife": true, "husband": true, "son": true, "daughter": true,
	"father": true, "mother": true, "grandson": true, "granddaughter": true,
	"daughter_in_law": true, "son_in_law": true, "sibling": true, "grandfather": true,
	"grandmother": true, "other": true,
}

// ValidRelation reports whether r is a known relation to the head.
func ValidRelation(r string) bool { return relations[r] }

// Household is a hộ gia đình: people registered at one permanent residence
// under a head.
type Household struct {
	ID        string    `json:"id"`
	HeadID    string    `json:"head_id"`
	Commune   string    `json:"commune"`
	Province  string    `json:"province"`
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Member is one person of a household as shown with it.
type Member struct {
	IDNumber       string `json:"id_number"`
	FullName       string `json:"full_name"`
	RelationToHead string `json:"relation_to_head"`
	BirthDate      Date   `json:"birth_date"`
	Status         Status `json:"status"`
}

// Project keeps the named fields of a record's JSON form, and the ID
// number always: what a partner's policy or a check-in purpose lets it
// see. "photo_ref" is the valid card's photo reference, if any.
func Project(p *Person, fields []string) (map[string]any, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	out := map[string]any{"id_number": p.IDNumber}
	if p.MergedInto != "" {
		// A retired number: whoever holds it needs the number that
		// replaced it, whatever else it may see.
		out["merged_into"] = p.MergedInto
	}
	for _, f := range fields {
		if f == "photo_ref" {
			if p.IDCard != nil && p.IDCard.Status == CardValid && p.IDCard.PhotoRef != "" {
				out[f] = p.IDCard.PhotoRef
			}
			continue
		}
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out, nil
}
