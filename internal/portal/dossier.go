package portal

import (
	"context"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
)

// State is where a dossier (hồ sơ) stands.
type State string

// Dossier states. submitted → received → processing → (info_requested →
// resubmitted → processing …) → approved or rejected; approved →
// result_issued. A dossier with an unpaid fee stays received until paid.
const (
	Submitted     State = "submitted"
	Received      State = "received"
	Processing    State = "processing"
	InfoRequested State = "info_requested"
	Resubmitted   State = "resubmitted"
	Approved      State = "approved"
	Rejected      State = "rejected"
	ResultIssued  State = "result_issued"
)

// Closed reports whether a dossier in state s is finished: its time limit
// no longer runs.
func (s State) Closed() bool { return s == Approved || s == Rejected || s == ResultIssued }

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	switch s {
	case Submitted, Received, Processing, InfoRequested, Resubmitted, Approved, Rejected, ResultIssued:
		return true
	}
	return false
}

// DocumentRef is a paper attached to a dossier: its kind and a
// description of the file (the file itself is kept by the portal's front
// end; dancu keeps its hash).
type DocumentRef struct {
	Code      string `json:"code"`
	FileName  string `json:"file_name"`
	MediaType string `json:"media_type,omitempty"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size,omitempty"`
}

// Dossier is one application for one procedure at one office.
type Dossier struct {
	ID          string            `json:"id"`
	Procedure   string            `json:"procedure"`
	GroupID     string            `json:"group_id,omitempty"`
	WaitsFor    string            `json:"waits_for,omitempty"` // the part of the group whose approval it waits for
	ApplicantID string            `json:"applicant_id"`
	AccountID   string            `json:"-"`
	SubjectID   string            `json:"subject_id,omitempty"`
	UnitCode    string            `json:"unit_code"`
	UnitLevel   string            `json:"unit_level"`
	Province    string            `json:"province"`
	State       State             `json:"state"`
	Fields      map[string]string `json:"fields"`
	Documents   []DocumentRef     `json:"documents,omitempty"`
	Note        string            `json:"note,omitempty"` // the last request for information or reason for rejection
	Fee         int64             `json:"fee"`
	PaidAt      *time.Time        `json:"paid_at,omitempty"`
	DueAt       time.Time         `json:"due_at"`
	Overdue     bool              `json:"overdue"`
	ResultID    string            `json:"result_id,omitempty"`
	Version     int               `json:"version"`
	SubmittedAt time.Time         `json:"submitted_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	History     []Step            `json:"history,omitempty"`
}

// Unpaid reports whether the dossier's fee is due.
func (d *Dossier) Unpaid() bool { return d.Fee > 0 && d.PaidAt == nil }

// markOverdue sets Overdue as of now.
func (d *Dossier) markOverdue(now time.Time) {
	d.Overdue = !d.State.Closed() && now.After(d.DueAt)
}

// Step is one entry of a dossier's history: who did what, when, why.
type Step struct {
	DossierID string    `json:"-"`
	Seq       int       `json:"seq"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorRole string    `json:"actor_role"`
	Action    string    `json:"action"`
	From      State     `json:"from,omitempty"`
	To        State     `json:"to"`
	Note      string    `json:"note,omitempty"`
}

// Notification tells a citizen that a dossier moved.
type Notification struct {
	ID        string     `json:"id"`
	AccountID string     `json:"-"`
	DossierID string     `json:"dossier_id"`
	Kind      string     `json:"kind"` // the action: submit, receive, request_info, …
	State     State      `json:"state"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Filter selects dossiers for an officer. Jurisdiction is applied by the
// service from the actor.
type Filter struct {
	State     State
	Procedure string
	Overdue   bool
	Now       time.Time // for Overdue
	Cursor    string    // after this: submitted_at (µs) + "_" + id of the last dossier seen
	Limit     int

	// Set by the service from the actor.
	ScopeUnit     string // commune-level dossiers of this commune
	ScopeProvince string // every dossier of this province
}

// Commit is what one act writes, atomically: new dossiers, updated ones
// (their Version already advanced: the store checks Version-1),
// history, notifications, and a payment or result.
type Commit struct {
	New           []*Dossier
	Updated       []*Dossier
	Steps         []Step
	Notifications []Notification
	Payment       *Payment
	Result        *ResultDoc
	// SubjectFromBirth are dossiers whose SubjectID becomes the ID number
	// of the person the register change creates (RegisterWith).
	SubjectFromBirth []*Dossier
}

// Store is the storage the portal needs.
type Store interface {
	// SaveProcedures stores procedures whose version is newer than the
	// stored one and returns the codes stored.
	SaveProcedures(ctx context.Context, ps []*Procedure) ([]string, error)
	Procedures(ctx context.Context) ([]*Procedure, error)
	Procedure(ctx context.Context, code string) (*Procedure, error)

	Dossier(ctx context.Context, id string) (*Dossier, error)
	DossierHistory(ctx context.Context, id string) ([]Step, error)
	ApplicantDossiers(ctx context.Context, idNumber string, limit int) ([]*Dossier, error)
	GroupDossiers(ctx context.Context, groupID string) ([]*Dossier, error)
	ListDossiers(ctx context.Context, f Filter) ([]*Dossier, error)
	// CommitDossiers writes c in one transaction; a dossier changed
	// meanwhile makes it fail with conflict.
	CommitDossiers(ctx context.Context, c *Commit) error
	// RegisterWith returns the register's storage whose CommitChange also
	// writes c in the same transaction: a birth and the approval of its
	// dossier commit together or not at all.
	RegisterWith(c *Commit) register.Store

	Payment(ctx context.Context, id string) (*Payment, error)
	DossierPayments(ctx context.Context, dossierID string) ([]*Payment, error)
	Result(ctx context.Context, id string) (*ResultDoc, error)

	// PutFile keeps a paper's content by its hash (a second copy of the
	// same content changes nothing) and records its upload by
	// f.UploadedBy at f.CreatedAt; File reads it.
	PutFile(ctx context.Context, f *File) error
	File(ctx context.Context, sha256 string) (*File, error)
	// UploadCount counts the papers an account uploaded since a time.
	UploadCount(ctx context.Context, accountID string, since time.Time) (int, error)
	// UploadedFiles returns which of the hashes the account uploaded.
	UploadedFiles(ctx context.Context, accountID string, sha256s []string) (map[string]bool, error)
	// PruneFiles deletes the papers no dossier names that nobody uploaded
	// since before, and the uploads older than before; it returns how
	// many papers it deleted.
	PruneFiles(ctx context.Context, before time.Time) (int64, error)

	Notifications(ctx context.Context, accountID string, limit int) ([]Notification, error)
	MarkNotificationRead(ctx context.Context, accountID, id string, at time.Time) error

	LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)
}

// inJurisdiction reports whether an officer may see a dossier: commune
// officers the dossiers their commune handles, province officers every
// dossier handled in their province, central officers all.
func inJurisdiction(a auth.Actor, d *Dossier) bool {
	switch a.UnitLevel {
	case auth.LevelCentral:
		return true
	case auth.LevelProvince:
		return a.UnitCode != "" && d.Province == a.UnitCode
	case auth.LevelCommune:
		return a.UnitCode != "" && d.UnitLevel == string(auth.LevelCommune) && d.UnitCode == a.UnitCode
	}
	return false
}

// DueAt returns the end of office hours (17:00 in Viet Nam) of the n-th
// working day after from. Working days are Monday to Friday; public
// holidays are not modelled yet.
func DueAt(from time.Time, n int) time.Time {
	d := from.In(register.Vietnam)
	day := time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, register.Vietnam)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day.UTC()
}
