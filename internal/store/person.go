package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

// Person returns a person's current record. It is the hottest read, so it
// is one statement outside any explicit transaction.
func (db *DB) Person(ctx context.Context, id string) (*register.Person, error) {
	var raw []byte
	err := db.read.QueryRowContext(ctx, `SELECT record FROM persons WHERE id_number = $1`, id).Scan(&raw)
	if err != nil {
		return nil, mapErr(err, "person")
	}
	return decodePerson(raw)
}

// Persons returns the records of the given ID numbers that exist, by
// number, in a few reads (lookupIn), not one per number.
func (db *DB) Persons(ctx context.Context, ids []string) (map[string]*register.Person, error) {
	out := make(map[string]*register.Person, len(ids))
	err := db.lookupIn(ctx, `SELECT record FROM persons WHERE id_number`, nil, ids, func(rows *sql.Rows) error {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		p, err := decodePerson(raw)
		if err != nil {
			return err
		}
		out[p.IDNumber] = p
		return nil
	})
	return out, mapErr(err, "persons")
}

func decodePerson(raw []byte) (*register.Person, error) {
	var p register.Person
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, apperr.Wrap(err, "decode person record")
	}
	return &p, nil
}

// PersonEvents returns a person's events in order.
func (db *DB) PersonEvents(ctx context.Context, id string) ([]register.Event, error) {
	var evs []register.Event
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, person_id, seq, kind, effective_date, recorded_at, officer_id,
			officer_unit, legal_doc_no, legal_doc_date, legal_issuer, group_id, payload
			FROM person_events WHERE person_id = $1 ORDER BY seq`, id)
		if err != nil {
			return mapErr(err, "person events")
		}
		defer rows.Close()
		for rows.Next() {
			var e register.Event
			var at int64
			var payload []byte
			if err := rows.Scan(&e.ID, &e.PersonID, &e.Seq, &e.Kind, &e.EffectiveDate, &at, &e.Officer,
				&e.OfficerUnit, &e.Legal.DocumentNo, &e.Legal.DocumentDate, &e.Legal.Issuer, &e.GroupID, &payload); err != nil {
				return mapErr(err, "scan event")
			}
			e.RecordedAt, e.Payload = fromMicros(at), json.RawMessage(payload)
			evs = append(evs, e)
		}
		return mapErr(rows.Err(), "person events")
	})
	if err == nil && len(evs) == 0 {
		return nil, apperr.E(apperr.NotFound, "person events: not found")
	}
	return evs, err
}

// CommitChange writes one act atomically: new ID numbers, households,
// events and the persons' new states, with optimistic concurrency.
func (db *DB) CommitChange(ctx context.Context, c *register.Change) error {
	return db.inTx(ctx, func(tx *Tx) error { return writeChange(ctx, tx, c) })
}

// writeChange writes a register change in tx (CommitChange, and the
// portal's approvals that commit with one).
func writeChange(ctx context.Context, tx *Tx, c *register.Change) error {
	for _, id := range c.NewIDs {
		if err := allocateID(ctx, tx, id); err != nil {
			return err
		}
	}
	for _, h := range c.Households {
		if err := upsertHousehold(ctx, tx, h); err != nil {
			return err
		}
	}
	for _, r := range c.Records {
		if err := writeRecord(ctx, tx, r); err != nil {
			return err
		}
		// The transactional outbox: the notice of a change commits
		// with the change, so that no crash loses one.
		if t := outboxType(r.Event.Kind); t != "" {
			if err := addOutboxEvent(ctx, tx, t, r.Person.IDNumber); err != nil {
				return err
			}
		}
	}
	return nil
}

func allocateID(ctx context.Context, tx *Tx, id string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO id_numbers (id_number, allocated_at) VALUES ($1, $2)`, id, micros(tx.Now()))
	if err = mapErr(err, "allocate ID number"); apperr.Is(err, apperr.Conflict) {
		return apperr.Field(apperr.Conflict, "id_number", "the ID number is already allocated")
	}
	return err
}

func upsertHousehold(ctx context.Context, tx *Tx, h *register.Household) error {
	if h.CreatedAt.IsZero() {
		h.CreatedAt = tx.Now()
	}
	h.UpdatedAt = tx.Now()
	_, err := tx.ExecContext(ctx, `INSERT INTO households (id, head_id, commune_code, province_code, address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET head_id = excluded.head_id, commune_code = excluded.commune_code,
			province_code = excluded.province_code, address = excluded.address, updated_at = excluded.updated_at`,
		h.ID, nullable(h.HeadID), h.Commune, h.Province, h.Address, micros(h.CreatedAt), micros(h.UpdatedAt))
	return mapErr(err, "write household")
}

// personColumns are the projection columns written from a record.
const personColumns = `id_number, full_name, name_key, gender, birth_date, birth_year, status, household_id,
	perm_commune, perm_province, temp_commune, temp_province, cur_commune, cur_province, record, version, created_at, updated_at,
	merged_into`

// personColumnCount is how many columns personColumns names.
const personColumnCount = 19

// recordArg is the index of the "record" column in personColumns.
const recordArg = 14

// personArgs returns the values of personColumns for p.
func personArgs(p *register.Person) ([]any, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, apperr.Wrap(err, "encode person record")
	}
	pc, tc, cc := p.Communes()
	pp, tp, cp := p.Provinces()
	// The cur_* columns hold the current residence only where it differs
	// from the permanent one, so that they are almost all empty and the
	// planners estimate their search branch as the small one it is.
	if cc == pc {
		cc = ""
	}
	if cp == pp {
		cp = ""
	}
	return []any{p.IDNumber, p.FullName, register.NameKey(p.FullName), string(p.Gender), string(p.BirthDate),
		p.BirthDate.Year(), string(p.Status), nullable(p.HouseholdID), pc, pp, tc, tp, cc, cp, string(raw),
		p.Version, micros(p.CreatedAt), micros(p.UpdatedAt), p.MergedInto}, nil
}

func writeRecord(ctx context.Context, tx *Tx, r register.Record) error {
	args, err := personArgs(r.Person)
	if err != nil {
		return err
	}
	if r.Event.Seq == 1 {
		_, err = tx.ExecContext(ctx, `INSERT INTO persons (`+personColumns+`) VALUES (`+placeholders(1, personColumnCount)+`)`, args...)
		if err = mapErr(err, "insert person"); err != nil {
			return err
		}
	} else {
		// args without created_at ($17), which never changes, plus the
		// version the change was computed from.
		upd := append(append(args[:16:16], args[17:]...), r.Event.Seq-1)
		res, err := tx.ExecContext(ctx, `UPDATE persons SET full_name = $2, name_key = $3, gender = $4, birth_date = $5,
			birth_year = $6, status = $7, household_id = $8, perm_commune = $9, perm_province = $10, temp_commune = $11,
			temp_province = $12, cur_commune = $13, cur_province = $14, record = $15, version = $16, updated_at = $17,
			merged_into = $18 WHERE id_number = $1 AND version = $19`, upd...)
		if err != nil {
			return mapErr(err, "update person")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "the record of %s changed meanwhile: reload and retry", r.Person.IDNumber)
		}
	}
	return insertEvent(ctx, tx, r.Event)
}

func insertEvent(ctx context.Context, tx *Tx, e *register.Event) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO person_events (person_id, seq, kind, effective_date, recorded_at, officer_id,
		officer_unit, legal_doc_no, legal_doc_date, legal_issuer, group_id, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		e.PersonID, e.Seq, string(e.Kind), string(e.EffectiveDate), micros(e.RecordedAt), e.Officer, e.OfficerUnit,
		e.Legal.DocumentNo, string(e.Legal.DocumentDate), e.Legal.Issuer, e.GroupID, string(e.Payload)).Scan(&e.ID)
	return mapErr(err, "insert event")
}

// SearchPersons finds persons by folded-name prefix (whole words), birth
// date or year, commune and status, within the filter's scope, ordered by
// name key and ID number with keyset pagination.
//
// Every plan here delivers rows in (name_key, id_number) order from an
// index, so that LIMIT stops early at any register size. A person is in a
// unit through any of three residences; instead of an OR, which no index
// serves, the most specific unit drives a UNION ALL of three disjoint
// branches (permanent residence; temporary residence elsewhere; current
// residence elsewhere: cur_* is empty where it equals perm_*), each an
// ordered range of its own index, which both engines merge.
func (db *DB) SearchPersons(ctx context.Context, f register.Filter) ([]*register.Person, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	// Records merged into another are retired: found by number, never by search.
	common := []string{"merged_into = ''"}
	if f.NameKey != "" {
		// Whole-word prefix as one range: [q, q+"!") holds q itself and q
		// followed by a space ("nguyen van an …") but not "nguyen van anh",
		// because folded keys have no character below "!" but the space.
		common = append(common, "name_key >= "+arg(f.NameKey)+" AND name_key < "+arg(f.NameKey+"!"))
	}
	if f.BirthDate != "" {
		common = append(common, "birth_date = "+arg(string(f.BirthDate)))
		if f.BirthYear == 0 {
			f.BirthYear = f.BirthDate.Year() // lets the birth index serve it
		}
	}
	if f.BirthYear != 0 {
		common = append(common, "birth_year = "+arg(f.BirthYear))
	}
	if f.Status != "" {
		common = append(common, "status = "+arg(string(f.Status)))
	}
	if f.After != "" {
		key, id, _ := strings.Cut(f.After, "\x00")
		common = append(common, "(name_key, id_number) > ("+arg(key)+", "+arg(id)+")")
	}
	units := []struct{ level, code string }{
		{"commune", f.Commune}, {"commune", f.ScopeCommune}, {"province", f.Province}, {"province", f.ScopeProvince},
	}
	driver := -1 // the first (most specific) unit condition drives the union
	for i, u := range units {
		if u.code == "" {
			continue
		}
		if driver < 0 {
			driver = i
			continue
		}
		a := arg(u.code)
		common = append(common, fmt.Sprintf("(perm_%s = %s OR temp_%s = %s OR cur_%s = %s)", u.level, a, u.level, a, u.level, a))
	}
	limit := arg(f.Limit)
	where := func(extra ...string) string {
		conds := append(append([]string{}, extra...), common...)
		if len(conds) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(conds, " AND ")
	}
	q := `SELECT record FROM persons` + where() + ` ORDER BY name_key, id_number LIMIT ` + limit
	if driver >= 0 {
		l, a := units[driver].level, arg(units[driver].code)
		// The branches repeat the partial indexes' predicates so that the
		// planners pick those indexes.
		branch := func(conds ...string) string {
			return `SELECT record, name_key, id_number FROM persons` + where(conds...) + ` ORDER BY name_key, id_number LIMIT ` + limit
		}
		q = `SELECT record FROM (` +
			`SELECT * FROM (` + branch(fmt.Sprintf("perm_%s = %s", l, a)) + `) b1 UNION ALL ` +
			`SELECT * FROM (` + branch(fmt.Sprintf("temp_%s = %s", l, a), fmt.Sprintf("temp_%s <> ''", l), fmt.Sprintf("perm_%s <> %s", l, a)) + `) b2 UNION ALL ` +
			`SELECT * FROM (` + branch(fmt.Sprintf("cur_%s = %s", l, a), fmt.Sprintf("cur_%s <> ''", l), fmt.Sprintf("perm_%s <> %s", l, a), fmt.Sprintf("temp_%s <> %s", l, a)) + `) b3` +
			`) u ORDER BY name_key, id_number LIMIT ` + limit
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "search persons")
	}
	defer rows.Close()
	var out []*register.Person
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, mapErr(err, "scan person")
		}
		p, err := decodePerson(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "search persons")
}

// Household returns a household and its members, head first.
func (db *DB) Household(ctx context.Context, id string) (*register.Household, []register.Member, error) {
	var h register.Household
	var members []register.Member
	err := db.inReadTx(ctx, func(tx *Tx) error {
		var head sql.NullString
		var created, updated int64
		err := tx.QueryRowContext(ctx, `SELECT id, head_id, commune_code, province_code, address, created_at, updated_at
			FROM households WHERE id = $1`, id).Scan(&h.ID, &head, &h.Commune, &h.Province, &h.Address, &created, &updated)
		if err != nil {
			return mapErr(err, "household")
		}
		h.HeadID, h.CreatedAt, h.UpdatedAt = head.String, fromMicros(created), fromMicros(updated)
		rows, err := tx.QueryContext(ctx, `SELECT record FROM persons WHERE household_id = $1 ORDER BY birth_date, id_number`, id)
		if err != nil {
			return mapErr(err, "household members")
		}
		defer rows.Close()
		for rows.Next() {
			var raw []byte
			if err := rows.Scan(&raw); err != nil {
				return mapErr(err, "scan member")
			}
			p, err := decodePerson(raw)
			if err != nil {
				return err
			}
			m := register.Member{IDNumber: p.IDNumber, FullName: p.FullName, RelationToHead: p.RelationToHead, BirthDate: p.BirthDate, Status: p.Status}
			if p.IDNumber == h.HeadID {
				members = append([]register.Member{m}, members...)
			} else {
				members = append(members, m)
			}
		}
		return mapErr(rows.Err(), "household members")
	})
	if err != nil {
		return nil, nil, err
	}
	return &h, members, nil
}

// placeholders returns "$from, …, $(from+n-1)".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// nullable maps "" to NULL for optional references.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
