package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/residence"
)

var _ residence.Store = (*DB)(nil)

// CreateEstablishment implements residence.Store.
func (db *DB) CreateEstablishment(ctx context.Context, e *residence.Establishment) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO residence_establishments (id, org_id, name, kind, commune, province, address,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			e.ID, e.OrgID, e.Name, e.Kind, e.Commune, e.Province, e.Address, e.CreatedBy, micros(e.CreatedAt))
		return mapErr(err, "establishment")
	})
}

func (db *DB) establishments(ctx context.Context, where string, args ...any) ([]*residence.Establishment, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, org_id, name, kind, commune, province, address, created_by, created_at
		FROM residence_establishments `+where, args...)
	if err != nil {
		return nil, mapErr(err, "establishments")
	}
	defer rows.Close()
	out := []*residence.Establishment{}
	for rows.Next() {
		var e residence.Establishment
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Name, &e.Kind, &e.Commune, &e.Province, &e.Address, &e.CreatedBy, &at); err != nil {
			return nil, mapErr(err, "establishments")
		}
		e.CreatedAt = fromMicros(at)
		out = append(out, &e)
	}
	return out, mapErr(rows.Err(), "establishments")
}

// Establishment implements residence.Store.
func (db *DB) Establishment(ctx context.Context, id string) (*residence.Establishment, error) {
	return only(db.establishments(ctx, `WHERE id = $1`, id))("no such establishment")
}

// Establishments implements residence.Store.
func (db *DB) Establishments(ctx context.Context, orgID string) ([]*residence.Establishment, error) {
	return db.establishments(ctx, `WHERE org_id = $1 ORDER BY created_at, id`, orgID)
}

// AddStays implements residence.Store: one transaction for a batch.
func (db *DB) AddStays(ctx context.Context, stays []*residence.Stay) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, st := range stays {
			guest, err := json.Marshal(st.Guest)
			if err != nil {
				return apperr.Wrap(err, "encode guest")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO residence_stays (id, establishment_id, org_id, commune, province, guest_kind,
				id_number, guest, room, verification, flagged, check_in, check_out, declared_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				st.ID, st.EstablishmentID, st.OrgID, st.Commune, st.Province, st.Guest.Kind, st.Guest.IDNumber, string(guest),
				st.Room, st.Verification, st.Flagged, micros(st.CheckIn), optMicros(st.CheckOut), st.DeclaredBy,
				micros(st.CreatedAt)); err != nil {
				return mapErr(err, "stay")
			}
		}
		return nil
	})
}

const stayColumns = `id, establishment_id, org_id, commune, province, guest, room, verification, flagged, check_in, check_out,
	declared_by, created_at`

func (db *DB) stays(ctx context.Context, where string, args ...any) ([]*residence.Stay, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+stayColumns+` FROM residence_stays `+where, args...)
	if err != nil {
		return nil, mapErr(err, "stays")
	}
	defer rows.Close()
	out := []*residence.Stay{}
	for rows.Next() {
		var st residence.Stay
		var guest string
		var in, created int64
		var out2 sql.NullInt64
		if err := rows.Scan(&st.ID, &st.EstablishmentID, &st.OrgID, &st.Commune, &st.Province, &guest, &st.Room,
			&st.Verification, &st.Flagged, &in, &out2, &st.DeclaredBy, &created); err != nil {
			return nil, mapErr(err, "stays")
		}
		if err := json.Unmarshal([]byte(guest), &st.Guest); err != nil {
			return nil, apperr.Wrap(err, "decode guest")
		}
		st.CheckIn, st.CheckOut, st.CreatedAt = fromMicros(in), optTime(out2), fromMicros(created)
		out = append(out, &st)
	}
	return out, mapErr(rows.Err(), "stays")
}

// Stay implements residence.Store.
func (db *DB) Stay(ctx context.Context, id string) (*residence.Stay, error) {
	return only(db.stays(ctx, `WHERE id = $1`, id))("no such stay")
}

// CheckOut implements residence.Store.
func (db *DB) CheckOut(ctx context.Context, orgID, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE residence_stays SET check_out = $3 WHERE id = $1 AND org_id = $2 AND check_out IS NULL`,
			id, orgID, micros(at))
		if err != nil {
			return mapErr(err, "check out")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "the guest has already checked out")
		}
		return nil
	})
}

// Stays implements residence.Store: the stays present in [From, To) —
// checked in before To and not checked out before From — served by the
// (commune|province|establishment_id, check_in) indexes.
func (db *DB) Stays(ctx context.Context, f residence.Filter) ([]*residence.Stay, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.EstablishmentID != "":
		where = append(where, "establishment_id = "+arg(f.EstablishmentID))
	case f.Commune != "":
		where = append(where, "commune = "+arg(f.Commune))
	case f.Province != "":
		where = append(where, "province = "+arg(f.Province))
	default:
		return nil, apperr.E(apperr.Invalid, "an area or establishment is required")
	}
	if f.OrgID != "" {
		where = append(where, "org_id = "+arg(f.OrgID))
	}
	if !f.To.IsZero() {
		where = append(where, "check_in < "+arg(micros(f.To)))
	}
	if !f.From.IsZero() {
		where = append(where, "(check_out IS NULL OR check_out >= "+arg(micros(f.From))+")")
	}
	if f.FlaggedOnly {
		where = append(where, "flagged = "+arg(true))
	}
	q := "WHERE " + strings.Join(where, " AND ") + " ORDER BY check_in, id LIMIT " + arg(f.Limit)
	return db.stays(ctx, q, args...)
}
