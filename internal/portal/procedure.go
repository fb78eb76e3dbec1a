// Package portal is the public-service portal (Cổng dịch vụ công): a
// catalogue of administrative procedures defined as data, the dossiers
// citizens submit through it and officers process, their fees and their
// results as signed electronic documents. It knows nothing of SQL or HTTP:
// storage implements Store, handlers call Service.
package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Text is a string in Vietnamese and English.
type Text struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Field types of a procedure's form.
const (
	TypeText     = "text"
	TypeDate     = "date"      // YYYY-MM-DD
	TypeEnum     = "enum"      // one of Options
	TypeCommune  = "commune"   // a commune code valid today
	TypeIDNumber = "id_number" // a 12-digit personal ID number
	TypeNumber   = "number"    // a decimal integer
	TypeBool     = "bool"      // "true" or "false"
)

// Prefill sources: the applicant's register record. A prefilled field is
// never asked: the submission takes it from the register.
var prefillSources = []string{
	"applicant.id_number", "applicant.full_name", "applicant.birth_date", "applicant.gender",
	"applicant.permanent_residence.commune", "applicant.permanent_residence.address",
	"applicant.household_id", "applicant.spouse_id",
}

// Field is one field of a procedure's form.
type Field struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Label     Text     `json:"label"`
	Required  bool     `json:"required,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`    // regular expression the whole value must match
	MaxLength int      `json:"max_length,omitempty"` // in characters; 0: 200
	Options   []string `json:"options,omitempty"`    // values of an enum
	Prefill   string   `json:"prefill,omitempty"`    // a register source: never asked of the citizen
	NotFuture bool     `json:"not_future,omitempty"` // a date that may not lie ahead

	re *regexp.Regexp
}

// Document is a paper the applicant attaches.
type Document struct {
	Code     string `json:"code"`
	Name     Text   `json:"name"`
	Required bool   `json:"required,omitempty"`
}

// Handling says which office handles a dossier.
type Handling struct {
	Level string `json:"level"` // "commune" or "province"
	// UnitFrom names where the office comes from: "applicant" (the
	// applicant's permanent residence) or "field:NAME" (a commune field).
	UnitFrom string `json:"unit_from"`
	Office   Text   `json:"office"` // e.g. "UBND cấp xã" / "Commune People's Committee"
}

// Result is what an approved dossier yields.
type Result struct {
	Type  string `json:"type"` // "certificate", "card", "confirmation"
	Title Text   `json:"title"`
}

// Part is one procedure of a linked procedure. A part with After waits for
// the approval of that part, whose person it then concerns.
type Part struct {
	Procedure string `json:"procedure"`
	After     string `json:"after,omitempty"`
}

// Effects of approval on the register.
const (
	EffectNone          = ""
	EffectRegisterBirth = "register_birth" // creates the person with a new ID number
)

// Subjects: whom a dossier may concern besides its applicant.
const (
	// SubjectSelf: the applicant himself (the default).
	SubjectSelf = ""
	// SubjectSelfOrMinorChild: the applicant, or his child under 18 named
	// in the field SubjectField (empty: himself).
	SubjectSelfOrMinorChild = "self_or_minor_child"
)

// SubjectField is the field naming the person a dossier concerns when
// the procedure allows another subject than the applicant.
const SubjectField = "subject_id_number"

// Procedure is an administrative procedure (thủ tục hành chính) as data.
type Procedure struct {
	Code          string     `json:"code"`
	Version       int        `json:"version"`
	Name          Text       `json:"name"`
	Description   Text       `json:"description"`
	Fields        []Field    `json:"fields"`
	Documents     []Document `json:"documents,omitempty"`
	Fee           int64      `json:"fee"`             // VND; 0: free
	TimeLimitDays int        `json:"time_limit_days"` // working days
	Handling      Handling   `json:"handling"`
	Result        Result     `json:"result"`
	Effect        string     `json:"effect,omitempty"`
	// Subject says whom a dossier may concern: SubjectSelf or
	// SubjectSelfOrMinorChild (the form then has SubjectField).
	Subject string `json:"subject,omitempty"`
	// Parts makes this a linked procedure (liên thông): one submission
	// fanned out into one dossier per part, each to its own office.
	Parts []Part `json:"parts,omitempty"`
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// Linked reports whether p is a linked procedure.
func (p *Procedure) Linked() bool { return len(p.Parts) > 0 }

// Field returns the field named name.
func (p *Procedure) Field(name string) (*Field, bool) {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i], true
		}
	}
	return nil, false
}

// Validate checks a procedure definition and compiles its patterns.
func (p *Procedure) Validate() error {
	if !codeRE.MatchString(p.Code) {
		return apperr.Field(apperr.Invalid, "code", "a procedure code is 2–64 lower-case letters, digits and _")
	}
	if p.Version < 1 {
		return apperr.Field(apperr.Invalid, "version", "%s: version must be 1 or more", p.Code)
	}
	if strings.TrimSpace(p.Name.VI) == "" || strings.TrimSpace(p.Name.EN) == "" {
		return apperr.Field(apperr.Invalid, "name", "%s: a name in Vietnamese and English is required", p.Code)
	}
	seen := map[string]bool{}
	for i := range p.Fields {
		f := &p.Fields[i]
		if !codeRE.MatchString(f.Name) || seen[f.Name] {
			return apperr.Field(apperr.Invalid, "fields", "%s: field %q: names are unique, lower case with _", p.Code, f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case TypeText, TypeDate, TypeCommune, TypeIDNumber, TypeNumber, TypeBool:
		case TypeEnum:
			if len(f.Options) == 0 {
				return apperr.Field(apperr.Invalid, "fields", "%s: enum field %q needs options", p.Code, f.Name)
			}
		default:
			return apperr.Field(apperr.Invalid, "fields", "%s: field %q has an unknown type %q", p.Code, f.Name, f.Type)
		}
		if f.Prefill != "" && !slices.Contains(prefillSources, f.Prefill) {
			return apperr.Field(apperr.Invalid, "fields", "%s: field %q prefills from an unknown source %q", p.Code, f.Name, f.Prefill)
		}
		if f.Pattern != "" {
			re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
			if err != nil {
				return apperr.Field(apperr.Invalid, "fields", "%s: field %q: bad pattern: %v", p.Code, f.Name, err)
			}
			f.re = re
		}
	}
	if p.Fee < 0 {
		return apperr.Field(apperr.Invalid, "fee", "%s: the fee cannot be negative", p.Code)
	}
	if err := p.validateSubject(); err != nil {
		return err
	}
	if p.Linked() {
		return nil // the parts carry the rest
	}
	if p.TimeLimitDays < 1 {
		return apperr.Field(apperr.Invalid, "time_limit_days", "%s: a time limit of 1 working day or more is required", p.Code)
	}
	switch p.Handling.Level {
	case "commune", "province":
	default:
		return apperr.Field(apperr.Invalid, "handling.level", "%s: the handling level is commune or province", p.Code)
	}
	if from, ok := strings.CutPrefix(p.Handling.UnitFrom, "field:"); ok {
		if f, ok := p.Field(from); !ok || f.Type != TypeCommune {
			return apperr.Field(apperr.Invalid, "handling.unit_from", "%s: %q is not a commune field", p.Code, from)
		}
	} else if p.Handling.UnitFrom != "applicant" {
		return apperr.Field(apperr.Invalid, "handling.unit_from", "%s: unit_from is \"applicant\" or \"field:NAME\"", p.Code)
	}
	if !slices.Contains(effects, p.Effect) {
		return apperr.Field(apperr.Invalid, "effect", "%s: unknown effect %q", p.Code, p.Effect)
	}
	return nil
}

// validateSubject checks the subject key against the subject field: a
// procedure that allows a minor child declares SubjectField as an
// optional, asked (not prefilled) id_number field; no other procedure has
// it, so that the field always means the same thing.
func (p *Procedure) validateSubject() error {
	f, has := p.Field(SubjectField)
	switch p.Subject {
	case SubjectSelf:
		if has {
			return apperr.Field(apperr.Invalid, "fields", "%s: the field %q needs \"subject\": %q", p.Code, SubjectField, SubjectSelfOrMinorChild)
		}
	case SubjectSelfOrMinorChild:
		if p.Linked() {
			return apperr.Field(apperr.Invalid, "subject", "%s: a linked procedure's parts say whom they concern", p.Code)
		}
		if !has || f.Type != TypeIDNumber || f.Required || f.Prefill != "" {
			return apperr.Field(apperr.Invalid, "fields", "%s: subject %q needs an optional, asked id_number field %q", p.Code, p.Subject, SubjectField)
		}
	default:
		return apperr.Field(apperr.Invalid, "subject", "%s: unknown subject %q", p.Code, p.Subject)
	}
	return nil
}

// ValidateSet checks procedures together: the parts of linked procedures
// exist, are not linked themselves, and wait only for earlier parts.
func ValidateSet(ps []*Procedure) error {
	byCode := map[string]*Procedure{}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return err
		}
		byCode[p.Code] = p
	}
	for _, p := range ps {
		done := map[string]bool{}
		for _, part := range p.Parts {
			q := byCode[part.Procedure]
			if q == nil || q.Linked() || q.Subject != SubjectSelf {
				return apperr.Field(apperr.Invalid, "parts", "%s: part %q is not a simple procedure for the applicant", p.Code, part.Procedure)
			}
			if part.After != "" && !done[part.After] {
				return apperr.Field(apperr.Invalid, "parts", "%s: part %q waits for %q, which is not an earlier part", p.Code, part.Procedure, part.After)
			}
			done[part.Procedure] = true
		}
	}
	return nil
}

//go:embed procedures/*.json
var builtin embed.FS

// Builtin returns the procedures shipped with dancu.
func Builtin() ([]*Procedure, error) {
	sub, _ := fs.Sub(builtin, "procedures")
	return ReadDir(sub)
}

// LoadDir reads every *.json procedure file of a folder.
func LoadDir(dir string) ([]*Procedure, error) {
	return ReadDir(os.DirFS(dir))
}

// ReadDir reads every *.json procedure file at the top of fsys.
func ReadDir(fsys fs.FS) ([]*Procedure, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Procedure
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p, err := ParseProcedure(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseProcedure decodes one procedure file strictly and validates it.
func ParseProcedure(b []byte) (*Procedure, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var p Procedure
	if err := dec.Decode(&p); err != nil {
		return nil, apperr.E(apperr.InvalidJSON, "invalid procedure: %v", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}
