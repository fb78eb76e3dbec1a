package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/register"
)

var _ card.Store = (*DB)(nil)

const cardColumns = `id, id_number, type, status, reason, replaces, serial, issue_date, expiry_date, signer_serial,
	chip, seal, unit, received_by, approved_by, applied_at, issued_at, revoked_at, updated_at, version`

func scanCard(row scanner) (*card.Card, error) {
	var c card.Card
	var serial sql.NullString
	var chip string
	var applied, updated int64
	var issued, revoked sql.NullInt64
	if err := row.Scan(&c.ID, &c.IDNumber, &c.Type, &c.Status, &c.Reason, &c.Replaces, &serial, &c.IssueDate,
		&c.ExpiryDate, &c.SignerSerial, &chip, &c.Seal, &c.Unit, &c.ReceivedBy, &c.ApprovedBy, &applied, &issued,
		&revoked, &updated, &c.Version); err != nil {
		return nil, mapErr(err, "card")
	}
	c.Serial = serial.String
	c.AppliedAt, c.UpdatedAt = fromMicros(applied), fromMicros(updated)
	c.IssuedAt, c.RevokedAt = timeOrNil(issued), timeOrNil(revoked)
	if chip != "" {
		c.Chip = &card.Chip{}
		if err := json.Unmarshal([]byte(chip), c.Chip); err != nil {
			return nil, apperr.Wrap(err, "decode chip data")
		}
	}
	return &c, nil
}

// Card implements card.Store.
func (db *DB) Card(ctx context.Context, id string) (*card.Card, error) {
	return scanCard(db.read.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM id_cards WHERE id = $1`, id))
}

// CardBySerial implements card.Store.
func (db *DB) CardBySerial(ctx context.Context, serial string) (*card.Card, error) {
	return scanCard(db.read.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM id_cards WHERE serial = $1`, serial))
}

// PersonCards implements card.Store.
func (db *DB) PersonCards(ctx context.Context, idNumber string) ([]*card.Card, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+cardColumns+` FROM id_cards WHERE id_number = $1 ORDER BY applied_at, id`, idNumber)
	if err != nil {
		return nil, mapErr(err, "cards")
	}
	defer rows.Close()
	var out []*card.Card
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "cards")
}

// CommitCard implements card.Store: the cards, the holder's event and
// record, and for an issuance the notice to subscribers, in one
// transaction.
func (db *DB) CommitCard(ctx context.Context, cards []*card.Card, rec register.Record) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, c := range cards {
			if err := writeCard(ctx, tx, c); err != nil {
				return err
			}
		}
		if err := writeRecord(ctx, tx, rec); err != nil {
			return err
		}
		if t := outboxType(rec.Event.Kind); t != "" {
			return addOutboxEvent(ctx, tx, t, rec.Person.IDNumber)
		}
		return nil
	})
}

func writeCard(ctx context.Context, tx *Tx, c *card.Card) error {
	chip := ""
	if c.Chip != nil && (c.Version == 1 || c.Status == card.Personalised) {
		b, err := json.Marshal(c.Chip)
		if err != nil {
			return apperr.Wrap(err, "encode chip data")
		}
		chip = string(b)
	}
	args := []any{c.ID, c.IDNumber, string(c.Type), string(c.Status), c.Reason, c.Replaces, nullable(c.Serial),
		string(c.IssueDate), string(c.ExpiryDate), c.SignerSerial, chip, c.Seal, c.Unit, c.ReceivedBy, c.ApprovedBy,
		micros(c.AppliedAt), microsOrNil(c.IssuedAt), microsOrNil(c.RevokedAt), micros(c.UpdatedAt), c.Version}
	if c.Version == 1 {
		_, err := tx.ExecContext(ctx, `INSERT INTO id_cards (`+cardColumns+`) VALUES (`+placeholders(1, 20)+`)`, args...)
		return cardConflict(mapErr(err, "insert card"), c)
	}
	// The chip data (some kilobytes) is written once, at personalisation.
	set := `status = $2, reason = $3, replaces = $4, serial = $5, issue_date = $6, expiry_date = $7, signer_serial = $8,
		approved_by = $9, issued_at = $10, revoked_at = $11, updated_at = $12, version = $13`
	upd := []any{c.ID, string(c.Status), c.Reason, c.Replaces, nullable(c.Serial), string(c.IssueDate), string(c.ExpiryDate),
		c.SignerSerial, c.ApprovedBy, microsOrNil(c.IssuedAt), microsOrNil(c.RevokedAt), micros(c.UpdatedAt), c.Version, c.Version - 1}
	if c.Status == card.Personalised {
		set += `, chip = $15, seal = $16`
		upd = append(upd, chip, c.Seal)
	}
	res, err := tx.ExecContext(ctx, `UPDATE id_cards SET `+set+` WHERE id = $1 AND version = $14`, upd...)
	if err != nil {
		return cardConflict(mapErr(err, "update card"), c)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.E(apperr.Conflict, "card %s changed meanwhile: reload and retry", c.ID)
	}
	return nil
}

// cardConflict names the rule a unique index enforced: the card being
// written is valid (a second valid card) or open (a second application).
// A serial drawn twice is a plain conflict, which the officer retries.
func cardConflict(err error, c *card.Card) error {
	if !apperr.Is(err, apperr.Conflict) || strings.Contains(err.Error(), "serial") {
		return err
	}
	switch c.Status {
	case card.Issued:
		return apperr.Field(apperr.CardExists, "id_number", "the person holds a valid card already")
	case card.Applied, card.Approved, card.Personalised:
		return apperr.Field(apperr.CardApplicationOpen, "id_number", "an application of this person is in progress")
	}
	return err
}

// dueWhere builds the conditions of a due-renewal query.
func dueWhere(f card.DueFilter, args *[]any) string {
	arg := func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	conds := []string{"c.status = 'issued'", "c.expiry_date <> ''", "c.expiry_date <= " + arg(f.Before)}
	if f.Commune != "" {
		conds = append(conds, "p.perm_commune = "+arg(f.Commune))
	}
	if f.Province != "" {
		conds = append(conds, "p.perm_province = "+arg(f.Province))
	}
	return strings.Join(conds, " AND ")
}

// DueCards implements card.Store.
func (db *DB) DueCards(ctx context.Context, f card.DueFilter) ([]card.DueCard, error) {
	var args []any
	where := dueWhere(f, &args)
	if f.After != "" {
		exp, id, _ := strings.Cut(f.After, ",")
		args = append(args, exp, id)
		where += " AND (c.expiry_date, c.id_number) > ($" + strconv.Itoa(len(args)-1) + ", $" + strconv.Itoa(len(args)) + ")"
	}
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.id_number, p.full_name, p.perm_commune, c.serial, c.issue_date,
		c.expiry_date FROM id_cards c JOIN persons p ON p.id_number = c.id_number WHERE `+where+`
		ORDER BY c.expiry_date, c.id_number LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, mapErr(err, "due cards")
	}
	defer rows.Close()
	out := []card.DueCard{}
	for rows.Next() {
		var d card.DueCard
		var serial sql.NullString
		if err := rows.Scan(&d.CardID, &d.IDNumber, &d.FullName, &d.Commune, &serial, &d.IssueDate, &d.ExpiryDate); err != nil {
			return nil, mapErr(err, "due cards")
		}
		d.Serial = serial.String
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "due cards")
}

// DueSummary implements card.Store.
func (db *DB) DueSummary(ctx context.Context, f card.DueFilter) ([]card.DueCount, error) {
	var args []any
	where := dueWhere(f, &args)
	rows, err := db.read.QueryContext(ctx, `SELECT p.perm_commune, COUNT(*) FROM id_cards c
		JOIN persons p ON p.id_number = c.id_number WHERE `+where+` GROUP BY p.perm_commune ORDER BY p.perm_commune`, args...)
	if err != nil {
		return nil, mapErr(err, "due summary")
	}
	defer rows.Close()
	out := []card.DueCount{}
	for rows.Next() {
		var d card.DueCount
		if err := rows.Scan(&d.Commune, &d.Count); err != nil {
			return nil, mapErr(err, "due summary")
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "due summary")
}

// RevokedCards implements card.Store.
func (db *DB) RevokedCards(ctx context.Context) ([]card.RevokedCard, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT serial, revoked_at, reason FROM id_cards
		WHERE status = 'revoked' AND serial IS NOT NULL ORDER BY serial`)
	if err != nil {
		return nil, mapErr(err, "revoked cards")
	}
	defer rows.Close()
	var out []card.RevokedCard
	for rows.Next() {
		var r card.RevokedCard
		var at sql.NullInt64
		if err := rows.Scan(&r.Serial, &at, &r.Reason); err != nil {
			return nil, mapErr(err, "revoked cards")
		}
		if at.Valid {
			r.RevokedAt = fromMicros(at.Int64)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "revoked cards")
}

// EIDLevel returns the level of a person's e-ID account, 0 if they have
// none: check-in asks it of the holder of an identity QR.
func (db *DB) EIDLevel(ctx context.Context, idNumber string) (int, error) {
	var level int
	err := db.read.QueryRowContext(ctx, `SELECT level FROM eid_accounts WHERE id_number = $1`, idNumber).Scan(&level)
	if err = mapErr(err, "e-ID account"); apperr.Is(err, apperr.NotFound) {
		return 0, nil
	}
	return level, err
}

// HasEIDAccount reports whether a person has an e-ID account.
func (db *DB) HasEIDAccount(ctx context.Context, idNumber string) (bool, error) {
	level, err := db.EIDLevel(ctx, idNumber)
	return level > 0, err
}
