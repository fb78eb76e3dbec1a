package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
)

// storage is what an import needs from the database; *store.DB has it,
// and tests wrap it to make writes fail mid-run.
type storage interface {
	InsertBatch(ctx context.Context, b *store.Batch) error
	ImportedIDs(ctx context.Context, source string, recordIDs []string) (map[string]string, error)
	ExistingIDs(ctx context.Context, ids []string) (map[string]bool, error)
	Person(ctx context.Context, id string) (*register.Person, error)
}

// item is one data row on its way through the import.
type item struct {
	line     int
	recordID string
	valid    *Valid
	bad      *Reason
}

// prepared is a batch ready to commit, with the report lines of its rows,
// which are written only once the batch has committed.
type prepared struct {
	batch store.Batch
	lines []Line
}

// claim identifies a person well enough to recognise them in another row:
// folded name and birth date, on a line of the file.
type claim struct {
	nameKey string
	birth   register.Date
	line    int
}

func claimOf(p *register.Person, line int) claim {
	return claim{nameKey: register.NameKey(p.FullName), birth: p.BirthDate, line: line}
}

func (c claim) samePerson(o claim) bool { return c.nameKey == o.nameKey && c.birth == o.birth }

// fileRecord is what the import knows of a record_id met in the file: the
// line it was first met on and the ID number it has ("" if rejected or not
// decided yet).
type fileRecord struct {
	line int
	id   string
}

// Bounds on ID number allocation. A draw collides with probability about
// (numbers taken in its province, gender and year) / 1 000 000, so these
// are only reached when a prefix is nearly full.
const (
	maxAllocRounds = 20  // ExistingIDs round trips per batch
	maxDraws       = 100 // draws of one number against the batch and run
)

// resolver turns validated rows into register records, one batch at a
// time and in file order. It is what remembers the file so far: record_ids
// (for duplicates and parent links) and ID numbers given or allocated.
type resolver struct {
	db      storage
	source  string
	officer string
	legal   register.LegalBasis
	rnd     func(n int) int
	now     func() time.Time

	records map[string]fileRecord
	claimed map[string]claim // ID numbers given by accepted rows of the file
	// inflight holds the numbers allocated in the last batches, which the
	// writer may not have committed yet, so ExistingIDs cannot see them.
	inflight []map[string]claim
}

// lookups is what the database says about one batch.
type lookups struct {
	imported map[string]string // record_id → ID number, from earlier runs
	existing map[string]bool   // allocated ID numbers among those the batch names
}

// prepare decides the outcome of every row of a batch and builds what the
// writer commits.
func (r *resolver) prepare(ctx context.Context, items []item) (*prepared, error) {
	out := &prepared{lines: make([]Line, len(items))}
	dup, lk, err := r.lookup(ctx, items)
	if err != nil {
		return nil, err
	}
	var toAllocate []int
	for i := range items {
		it, l := &items[i], &out.lines[i]
		*l = Line{Line: it.line, RecordID: it.recordID}
		switch {
		case dup[i] >= 0:
			r.reject(l, reasonf(CodeDuplicateRecord, "record_id %q already appears on line %d", it.recordID, dup[i]))
		case it.bad != nil && it.bad.Code == CodeMalformedRow:
			r.reject(l, it.bad)
		case lk.imported[it.recordID] != "":
			l.Outcome, l.IDNumber, l.Codes = AlreadyPresent, lk.imported[it.recordID], []string{CodePreviouslyImported}
			l.Message = "imported before from source " + r.source
			r.records[it.recordID] = fileRecord{line: it.line, id: l.IDNumber}
		case it.bad != nil:
			r.reject(l, it.bad)
		case it.valid.GivenID:
			if err := r.givenID(ctx, it, l, lk, &out.batch); err != nil {
				return nil, err
			}
		default:
			l.Outcome = Created
			toAllocate = append(toAllocate, i)
		}
	}
	if err := r.allocate(ctx, items, toAllocate); err != nil {
		return nil, err
	}
	if err := r.build(items, out, lk); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *resolver) reject(l *Line, why *Reason) {
	l.Outcome, l.Codes, l.Message = Rejected, []string{why.Code}, why.Message
}

// lookup marks duplicate record_ids (with the line first seen, else -1)
// and asks the database, in one query each, about the batch's record_ids,
// parent references and given ID numbers.
func (r *resolver) lookup(ctx context.Context, items []item) ([]int, lookups, error) {
	dup := make([]int, len(items))
	var recordIDs, ids []string
	for i := range items {
		it := &items[i]
		dup[i] = -1
		if it.recordID == "" || (it.bad != nil && it.bad.Code == CodeMalformedRow) {
			continue // a malformed row's cells are not trusted, its record_id neither
		}
		if first, ok := r.records[it.recordID]; ok {
			dup[i] = first.line
			continue
		}
		r.records[it.recordID] = fileRecord{line: it.line}
		recordIDs = append(recordIDs, it.recordID)
		if v := it.valid; v != nil {
			if v.GivenID {
				ids = append(ids, v.Person.IDNumber)
			}
			for _, ref := range []string{v.FatherRef, v.MotherRef} {
				if ref == "" {
					continue
				}
				if fr, ok := r.records[ref]; ok && fr.id != "" {
					continue // a parent met earlier in the file
				}
				recordIDs = append(recordIDs, ref)
				if _, err := idnum.Parse(ref); err == nil {
					ids = append(ids, ref)
				}
			}
		}
	}
	lk := lookups{imported: map[string]string{}, existing: map[string]bool{}}
	var err error
	if len(recordIDs) > 0 {
		if lk.imported, err = r.db.ImportedIDs(ctx, r.source, unique(recordIDs)); err != nil {
			return nil, lk, fmt.Errorf("look up earlier imports: %w", err)
		}
	}
	if len(ids) > 0 {
		if lk.existing, err = r.db.ExistingIDs(ctx, unique(ids)); err != nil {
			return nil, lk, fmt.Errorf("look up ID numbers: %w", err)
		}
	}
	return dup, lk, nil
}

// givenID decides a row that gave its ID number: new, the same person
// already registered, or a number that belongs to someone else.
func (r *resolver) givenID(ctx context.Context, it *item, l *Line, lk lookups, b *store.Batch) error {
	p := &it.valid.Person
	id, mine := p.IDNumber, claimOf(p, it.line)
	owner, known := r.claimed[id]
	if !known {
		owner, known = r.inflightClaim(id)
	}
	if !known && lk.existing[id] {
		q, err := r.db.Person(ctx, id)
		switch {
		case apperr.Is(err, apperr.NotFound):
			owner, known = claim{}, true // allocated but without a record: still taken
		case err != nil:
			return fmt.Errorf("look up the holder of a given ID number: %w", err)
		case q.MergedInto != "":
			r.reject(l, reasonf(CodeIDNumberRetired, "ID number %s was retired when its record was merged into %s: give that number", id, q.MergedInto))
			return nil
		default:
			owner, known = claimOf(q, 0), true
		}
	}
	switch {
	case !known:
		l.Outcome = Created
		r.claimed[id] = mine
	case owner.samePerson(mine):
		l.Outcome, l.IDNumber, l.Codes = AlreadyPresent, id, []string{CodeMatchedIDNumber}
		l.Message = "a person with this ID number, name and birth date is already registered"
		r.records[it.recordID] = fileRecord{line: it.line, id: id}
		b.Imports = append(b.Imports, store.ImportRecord{Source: r.source, RecordID: it.recordID, IDNumber: id})
	default:
		r.reject(l, reasonf(CodeIDNumberTaken, "ID number %s belongs to a person with another name or birth date", id))
	}
	return nil
}

func (r *resolver) inflightClaim(id string) (claim, bool) {
	for _, m := range r.inflight {
		if c, ok := m[id]; ok {
			return c, true
		}
	}
	return claim{}, false
}

// taken reports whether this run already holds a number, committed or not.
func (r *resolver) taken(id string) bool {
	if _, ok := r.claimed[id]; ok {
		return true
	}
	_, ok := r.inflightClaim(id)
	return ok
}

// allocate draws ID numbers for the rows that gave none, checking every
// candidate against the batch, the run and — one query per round — the
// register, and drawing again on collision.
func (r *resolver) allocate(ctx context.Context, items []item, pending []int) error {
	batch := make(map[string]claim, len(pending))
	for round := 0; len(pending) > 0; round++ {
		if round == maxAllocRounds {
			return fmt.Errorf("allocate ID numbers: still colliding after %d rounds", round)
		}
		cands := make([]string, len(pending))
		for j, i := range pending {
			id, err := r.draw(&items[i].valid.Person, batch)
			if err != nil {
				return fmt.Errorf("allocate an ID number for line %d: %w", items[i].line, err)
			}
			batch[id] = claimOf(&items[i].valid.Person, items[i].line)
			cands[j] = id
		}
		taken, err := r.db.ExistingIDs(ctx, cands)
		if err != nil {
			return fmt.Errorf("check new ID numbers: %w", err)
		}
		var again []int
		for j, i := range pending {
			if taken[cands[j]] {
				again = append(again, i) // the number stays in batch: it is not free
				continue
			}
			items[i].valid.Person.IDNumber = cands[j]
		}
		pending = again
	}
	r.inflight = append(r.inflight, batch)
	if len(r.inflight) > inflightBatches {
		r.inflight = r.inflight[1:]
	}
	return nil
}

func (r *resolver) draw(p *register.Person, batch map[string]claim) (string, error) {
	for range maxDraws {
		n, err := idnum.New(p.BirthProvince, p.Gender, p.BirthDate.Year(), r.rnd)
		if err != nil {
			return "", err
		}
		id := n.String()
		if _, dup := batch[id]; !dup && !r.taken(id) {
			return id, nil
		}
	}
	return "", fmt.Errorf("no free number after %d draws", maxDraws)
}

// build links parents and turns the batch's new persons into records,
// in file order, so that a row can name a parent on an earlier line.
func (r *resolver) build(items []item, out *prepared, lk lookups) error {
	now := r.now().UTC()
	for i := range items {
		it, l := &items[i], &out.lines[i]
		if l.Outcome != Created {
			continue
		}
		p := &it.valid.Person
		l.IDNumber = p.IDNumber
		r.records[it.recordID] = fileRecord{line: it.line, id: p.IDNumber}
		var warn []*Reason
		p.FatherID, warn = r.parent(it, ColFatherID, it.valid.FatherRef, idnum.Male, lk, warn)
		p.MotherID, warn = r.parent(it, ColMotherID, it.valid.MotherRef, idnum.Female, lk, warn)
		for _, w := range warn {
			l.Codes = appendUnique(l.Codes, w.Code)
			l.Message = joinMessage(l.Message, w.Message)
		}
		rec, err := r.record(p, now)
		if err != nil {
			return fmt.Errorf("line %d: %w", it.line, err)
		}
		out.batch.Records = append(out.batch.Records, rec)
		out.batch.Imports = append(out.batch.Imports, store.ImportRecord{Source: r.source, RecordID: it.recordID, IDNumber: p.IDNumber})
	}
	return nil
}

// record builds the first event of an imported person exactly as seed
// does: an initial registration effective from the birth date.
func (r *resolver) record(p *register.Person, now time.Time) (register.Record, error) {
	p.CreatedAt, p.UpdatedAt = now, now
	// The payload is left to the store, which makes it from the record's
	// JSON when it writes the batch: one encoding per row, not two.
	ev := &register.Event{PersonID: p.IDNumber, Seq: 1, Kind: register.KindInitial,
		EffectiveDate: register.Date(p.BirthDate.Earliest()), RecordedAt: now, Officer: r.officer,
		Legal: r.legal}
	return register.Record{Event: ev, Person: p}, nil
}

// parent resolves a father_id or mother_id: a record_id on an earlier
// line of the file or imported before from the same source, else an ID
// number in the register. A link that cannot be kept is dropped with a
// warning, never silently.
func (r *resolver) parent(it *item, c Column, ref string, g idnum.Gender, lk lookups, warn []*Reason) (string, []*Reason) {
	if ref == "" {
		return "", warn
	}
	id := r.resolveRef(ref, it.line, lk)
	if id == "" {
		return "", append(warn, reasonf(CodeUnknownParent,
			"%s %q is neither in the register nor on an earlier line of the file: the link is not kept", c, ref))
	}
	child := &it.valid.Person
	n, err := idnum.Parse(id)
	switch {
	case err != nil || id == child.IDNumber:
		return "", append(warn, reasonf(CodeParentMismatch, "%s %q cannot be this person's parent: the link is not kept", c, ref))
	case n.Gender != g:
		return "", append(warn, reasonf(CodeParentMismatch, "%s %q is not %s: the link is not kept", c, ref, g))
	case n.BirthYear > child.BirthDate.Year()-12:
		return "", append(warn, reasonf(CodeParentMismatch, "%s %q was born in %d, too late to be a parent: the link is not kept", c, ref, n.BirthYear))
	}
	return id, warn
}

func (r *resolver) resolveRef(ref string, line int, lk lookups) string {
	if fr, ok := r.records[ref]; ok && fr.line < line && fr.id != "" {
		return fr.id
	}
	if id := lk.imported[ref]; id != "" {
		return id
	}
	if c, ok := r.claimed[ref]; ok && c.line < line {
		return ref
	}
	if lk.existing[ref] {
		return ref
	}
	return ""
}

func unique(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
