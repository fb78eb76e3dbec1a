package store

import (
	"context"
	"database/sql"

	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

var _ ekyc.Store = (*DB)(nil)

// VerifyFacts implements ekyc.Store: columns of the register (no record
// decoding) and the e-ID account's phone, for many ID numbers in one
// query per batch.
func (db *DB) VerifyFacts(ctx context.Context, ids []string) (map[string]*ekyc.Facts, error) {
	out := make(map[string]*ekyc.Facts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	scan := func(rows *sql.Rows) error {
		var f ekyc.Facts
		var gender, birth, status, cardStatus, issued, expiry string
		if err := rows.Scan(&f.Person.IDNumber, &f.Person.FullName, &gender, &birth, &status, &f.Phone,
			&cardStatus, &issued, &expiry); err != nil {
			return err
		}
		f.Person.Gender, f.Person.BirthDate, f.Person.Status = idnum.Gender(gender), register.Date(birth), register.Status(status)
		if cardStatus != "" {
			f.Person.IDCard = &register.IDCard{Number: f.Person.IDNumber, IssueDate: register.Date(issued),
				ExpiryDate: register.Date(expiry), Status: register.CardRevoked}
			if cardStatus == "issued" {
				f.Person.IDCard.Status = register.CardValid
			}
		}
		out[f.Person.IDNumber] = &f
		return nil
	}
	var err error
	switch {
	case len(ids) == 1:
		// One person (a single verify when the server is quiet): "= $1".
		err = db.scanQuery(ctx, verifyFactsQuery+` = $1`, []any{ids[0]}, scan)
	case db.Engine == Postgres && len(ids) <= maxPaddedIn:
		// Single verifies read together (package coalesce): a list of
		// placeholders padded to a power of two, whose generic plan
		// PostgreSQL caches after five runs. An array parameter is
		// planned anew for each batch (0.25 ms), costing as much as
		// reading the batch.
		n := 2
		for n < len(ids) {
			n *= 2
		}
		args := make([]any, n)
		for i := range args {
			args[i] = ids[min(i, len(ids)-1)] // repeating a key adds no row
		}
		err = db.scanQuery(ctx, verifyFactsQuery+` IN (`+placeholders(1, n)+`)`, args, scan)
	default:
		err = db.lookupIn(ctx, verifyFactsQuery, nil, ids, scan)
	}
	return out, mapErr(err, "verify facts")
}

// maxPaddedIn is the most keys VerifyFacts reads through a padded list of
// placeholders on PostgreSQL; more go as one array.
const maxPaddedIn = 128

// scanQuery runs a read query and scans each of its rows.
func (db *DB) scanQuery(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// verifyFactsQuery reads the facts of persons, ending in the column to
// match. The card compared is the person's last issued one
// (id_cards_person serves the subquery), valid or since revoked.
const verifyFactsQuery = `SELECT p.id_number, p.full_name, p.gender, p.birth_date, p.status, COALESCE(a.phone, ''),
		COALESCE(c.status, ''), COALESCE(c.issue_date, ''), COALESCE(c.expiry_date, '')
		FROM persons p LEFT JOIN eid_accounts a ON a.id_number = p.id_number
		LEFT JOIN id_cards c ON c.id = (SELECT x.id FROM id_cards x WHERE x.id_number = p.id_number AND x.issued_at IS NOT NULL
			ORDER BY x.issued_at DESC LIMIT 1)
		WHERE p.merged_into = '' AND p.id_number`

// AddUsage implements quota.UsageStore.
func (db *DB) AddUsage(ctx context.Context, key, day string, delta int64) (int64, error) {
	var total int64
	err := db.inTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO partner_usage (key, day, count) VALUES ($1, $2, $3)
			ON CONFLICT (key, day) DO UPDATE SET count = partner_usage.count + excluded.count
			RETURNING count`, key, day, delta).Scan(&total)
	})
	return total, mapErr(err, "partner usage")
}
